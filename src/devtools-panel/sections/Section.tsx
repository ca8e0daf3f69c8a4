/** The building blocks every panel section shares: a titled section and a numeric table cell. */
import type { ComponentChildren } from 'preact';

export function Section({ title, count, children }: { title: string; count?: number; children: ComponentChildren }) {
  return (
    <section>
      <h2>
        {title}
        {count !== undefined ? <span class="n"> ({count})</span> : null}
      </h2>
      {children}
    </section>
  );
}

/**
 * A right-aligned number cell: `text` is what people read, `value` the raw number tests and
 * automation read from `data-value` (only on cells that have a `testId`). `up` marks a rise.
 */
export function NumCell({ text, value, testId, up = false }: { text: string; value?: number; testId?: string; up?: boolean }) {
  return (
    <td class={up ? 'num up' : 'num'} data-testid={testId} data-value={testId === undefined ? undefined : value}>
      {text}
    </td>
  );
}
