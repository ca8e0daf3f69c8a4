/**
 * The toolbar's page-error count: the page threw, rejected a promise unhandled, or failed to
 * compile or instantiate WebAssembly (src/injected/core/page-errors.ts). Shown only when there
 * were some, like the drop counts; `record` exits 2 for the same count.
 * Shown in the toolbar (./Toolbar.tsx): `<PageErrorCount count={view.pageErrors} />`.
 */
import { formatCount } from '../format';

export function PageErrorCount({ count }: { count: number }) {
  if (count <= 0) return null;
  return (
    <span
      class="warn"
      data-testid="page-errors"
      data-value={count}
      title="Uncaught exceptions, unhandled promise rejections and failed WebAssembly compilations or instantiations (in the exported trace as page-error events)"
    >
      {formatCount(count)} page error{count === 1 ? '' : 's'}
    </span>
  );
}
