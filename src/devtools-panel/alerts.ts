/** Order of the alert list (pure): active before resolved, most recently updated first. */
import type { Alert } from '../shared/analyzer-api';

export function sortAlerts(alerts: readonly Alert[]): Alert[] {
  return [...alerts].sort((a, b) => (a.state === b.state ? b.updatedAt - a.updatedAt : a.state === 'active' ? -1 : 1));
}
