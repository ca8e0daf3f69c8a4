/**
 * The panel UI: the sections in ./sections/, one file each. Everything shown comes from the
 * analyzer's report()/series()/diff() via the controller's ViewState; the UI holds no analysis
 * logic. Page-provided strings (URLs, class names, labels, stacks) are rendered as text only:
 * Preact escapes them, and nothing here uses dangerouslySetInnerHTML or turns page URLs into
 * links.
 */
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import type { Alert, Mark, MemoryStats } from '../shared/analyzer-api';
import { Chart } from './Chart';
import type { PanelController, ViewState } from './controller';
import { formatClock, memoryTitle, middleEllipsis } from './format';
import { MemoryNamesContext } from './names';
import { memoryNames } from '../shared/memory-names';
import { Alerts } from './sections/Alerts';
import { AllocationSites } from './sections/AllocationSites';
import { Budgets } from './sections/Budgets';
import { Classes } from './sections/Classes';
import { Marks } from './sections/Marks';
import { Memories } from './sections/Memories';
import { Registries } from './sections/Registries';
import { SessionState } from './sections/SessionState';
import { Toolbar } from './sections/Toolbar';
import { ImportBanner } from './sections/TraceFiles';
import { evidenceView, fetchRange, FOLLOW_LIVE, timeExtent, type Viewport } from './viewport';

const NO_MEMORIES: MemoryStats[] = [];
const NO_MARKS: Mark[] = [];

export function App({ controller }: { controller: PanelController }) {
  const [view, setView] = useState<ViewState>(controller.getView());
  useEffect(() => controller.onView(setView), [controller]);
  const onWidth = useCallback((w: number) => controller.setChartPoints(w), [controller]);
  const report = view.report;
  const { names, labels, titles, gone } = useMemo(() => {
    const names = memoryNames(report?.memories ?? []);
    const labels = new Map<string, string>();
    const titles = new Map<string, string>();
    const gone = new Set<string>();
    for (const mem of report?.memories ?? []) {
      const name = names.get(mem.key) ?? mem.key;
      labels.set(mem.key, middleEllipsis(name, 40));
      titles.set(mem.key, `${name}\n${memoryTitle(mem.owner, mem.key)}`);
      if (mem.collected) gone.add(mem.key);
    }
    return { names, labels, titles, gone };
  }, [report]);

  // The chart's viewport and the selected alert: the panel's, reset when what is shown starts
  // afresh (another page, an imported trace, back to live).
  const extent = useMemo(() => timeExtent(report?.memories ?? NO_MEMORIES), [report]);
  const [viewport, setViewport] = useState<Viewport>(FOLLOW_LIVE);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  useEffect(() => {
    setViewport(FOLLOW_LIVE);
    setSelectedId(null);
  }, [view.chartEpoch]);
  useEffect(() => controller.setChartRange(fetchRange(viewport)), [controller, viewport]);
  const memories = report?.memories ?? NO_MEMORIES;
  // The shown alerts (what the user decided about them aside): the selection is one of them.
  const selected = selectedId === null ? null : (view.alerts.find((d) => d.alert.id === selectedId)?.alert ?? null);
  // Selecting an alert shows its evidence: the chart zooms to it (no longer following live).
  const onSelect = useCallback(
    (a: Alert | null) => {
      setSelectedId(a ? a.id : null);
      if (a) setViewport(evidenceView(a.evidence.fromTime, a.evidence.toTime, extent));
    },
    [extent],
  );

  return (
    <MemoryNamesContext.Provider value={names}>
      <div class={`panel mode-${view.mode}`}>
        <Toolbar view={view} controller={controller} />
        {view.versionMismatch ? (
          <div class="banner error" data-testid="version-mismatch">
            This page runs a different version of WASM Memory (protocol {view.versionMismatch.got}, panel {view.versionMismatch.expected}).
            Reload the page.
          </div>
        ) : null}
        {view.analyzerError ? (
          <div class="banner error" data-testid="analyzer-error">
            {view.analyzerError}
          </div>
        ) : null}
        {view.historyLostBefore !== null ? (
          <div class="banner warn" data-testid="history-lost" data-value={view.historyLostBefore}>
            History before {formatClock(view.historyLostBefore)} is missing: the extension's service worker restarted before this panel
            opened, and what the page sent before then went with it. Memories, modules and instances from before are listed, but their sizes
            before then, marks, page errors, allocation sites and class and heap counts until their next update are not. Everything the page
            sent since is here; the alerts come from the background analyzer, which kept running.
          </div>
        ) : null}
        <ImportBanner view={view} controller={controller} />
        <SessionState view={view} controller={controller} />
        <Chart
          series={view.series}
          memories={memories}
          marks={report?.marks ?? NO_MARKS}
          extent={extent}
          viewport={viewport}
          onViewport={setViewport}
          selected={selected}
          labels={labels}
          titles={titles}
          gone={gone}
          onWidth={onWidth}
          segmentStarts={view.segmentStarts}
        />
        {/* Its own box so that a short dock can show it above the chart (panel.css). */}
        <div class="slot-alerts">
          <Alerts
            alerts={view.alerts}
            memories={memories}
            controller={controller}
            origin={extent?.min ?? null}
            selected={selected?.id ?? null}
            onSelect={onSelect}
          />
        </div>
        <Memories memories={report?.memories ?? []} workerSkips={view.workerSkips} />
        <AllocationSites memories={report?.memories ?? []} intervals={view.siteIntervals} />
        <Classes classes={report?.classes ?? []} trends={view.trends} />
        <Registries registries={report?.registries ?? []} trends={view.trends} />
        <Marks marks={report?.marks ?? []} controller={controller} revision={view.revision} />
        <Budgets config={view.config} controller={controller} />
      </div>
    </MemoryNamesContext.Provider>
  );
}
