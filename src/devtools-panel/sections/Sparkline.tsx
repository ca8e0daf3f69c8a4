/**
 * A small inline chart of one trend (../trends.ts): an SVG path of numbers only (nothing from
 * the page reaches the markup), its figures in the accessible name and the tooltip. Tables
 * share one x range (the session's), so sparklines of one table line up in time.
 */
import { useMemo } from 'preact/hooks';
import { sparkPath, trendSummary, type TrendSeries } from '../trends';

export const SPARK_WIDTH = 80;
export const SPARK_HEIGHT = 16;

export function Sparkline({
  series,
  range,
  label,
  format,
  testId,
}: {
  series: TrendSeries | undefined;
  range: readonly [number, number] | null;
  /** What it charts, for the accessible name ("Doc live objects"). */
  label: string;
  format: (v: number) => string;
  testId?: string;
}) {
  const n = series?.times.length ?? 0;
  const lastTime = n > 0 ? series?.times[n - 1] : undefined;
  const r0 = range?.[0];
  const r1 = range?.[1];
  // The series grows in place: recompute when its length, last time or the shared range moves.
  const d = useMemo(() => (series && range ? sparkPath(series, range, SPARK_WIDTH, SPARK_HEIGHT) : ''), [series, n, lastTime, r0, r1]);
  if (!series || n === 0) return <span class="spark-none muted">—</span>;
  const s = trendSummary(series);
  const text = `${label} over time: now ${format(s.last)}, lowest ${format(s.min)}, highest ${format(s.max)}`;
  return (
    <svg
      class="spark"
      width={SPARK_WIDTH}
      height={SPARK_HEIGHT}
      viewBox={`0 0 ${SPARK_WIDTH} ${SPARK_HEIGHT}`}
      role="img"
      aria-label={text}
      data-testid={testId}
      data-points={n}
      data-max={s.max}
      data-last={s.last}
    >
      <title>{text}</title>
      <path d={d} />
    </svg>
  );
}
