/**
 * The options page (options_ui): which sites are instrumented, default budgets and warning levels
 * for the background analyzer, notifications, and the sampling rate (read by the content script at each page load). Stored in chrome.storage.sync (src/shared/user-settings.ts); the service
 * worker applies changes at once.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { budgetFormText, parseBudgetForm, type BudgetFormText } from '../devtools-panel/budget-form';
import {
  parseUserSettings,
  USER_SETTINGS_KEY,
  MIN_NOTIFY_INTERVAL_MS,
  SAMPLE_INTERVALS_MS,
  type UserSettings,
} from '../shared/user-settings';
import { parseSiteList, type SiteMode } from '../shared/site-access';
import './options.css';

function Options() {
  const [settings, setSettings] = useState<UserSettings | null>(null);
  const [budgets, setBudgets] = useState<BudgetFormText>({ page: '', memory: '', levels: '' });
  const [interval, setIntervalText] = useState('60');
  const [siteText, setSiteText] = useState('');
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);

  useEffect(() => {
    chrome.storage.sync.get(USER_SETTINGS_KEY).then(
      (items) => {
        const s = parseUserSettings(items[USER_SETTINGS_KEY]);
        setSettings(s);
        setBudgets(budgetFormText(s.budgets));
        setIntervalText(String(Math.round(s.notifications.minIntervalMs / 1000)));
        setSiteText(s.sites.sites.join('\n'));
      },
      (e: unknown) => setMsg({ ok: false, text: `Settings unreadable: ${e instanceof Error ? e.message : String(e)}` }),
    );
  }, []);

  if (!settings) return <p>{msg?.text ?? 'Loading…'}</p>;

  const save = async () => {
    const b = parseBudgetForm(budgets);
    if (!b.ok) {
      setMsg({ ok: false, text: b.error });
      return;
    }
    const seconds = Number(interval);
    if (!Number.isFinite(seconds) || seconds * 1000 < MIN_NOTIFY_INTERVAL_MS) {
      setMsg({ ok: false, text: `At most one notification per tab every: use a number of seconds ≥ ${MIN_NOTIFY_INTERVAL_MS / 1000}` });
      return;
    }
    const list = parseSiteList(siteText);
    if (!list.ok) {
      setMsg({ ok: false, text: list.error });
      return;
    }
    const next: UserSettings = {
      sites: { mode: settings.sites.mode, sites: list.sites },
      budgets: b.settings,
      notifications: { ...settings.notifications, minIntervalMs: seconds * 1000 },
      sampleIntervalMs: settings.sampleIntervalMs,
    };
    try {
      await chrome.storage.sync.set({ [USER_SETTINGS_KEY]: next });
      setSettings(next);
      setMsg({ ok: true, text: 'Saved.' });
    } catch (e) {
      setMsg({ ok: false, text: `Not saved: ${e instanceof Error ? e.message : String(e)}` });
    }
  };

  const n = settings.notifications;
  const setNotify = (patch: Partial<UserSettings['notifications']>) => setSettings({ ...settings, notifications: { ...n, ...patch } });

  return (
    <main>
      <h1>WASM Memory options</h1>
      <fieldset>
        <legend>Sites</legend>
        {(
          [
            ['all', 'Every site (the default)'],
            ['only', 'Only the sites listed below'],
            ['except', 'Every site except those listed below'],
          ] as const satisfies readonly (readonly [SiteMode, string])[]
        ).map(([mode, text]) => (
          <label key={mode}>
            <input
              type="radio"
              name="site-mode"
              data-testid={`opt-sites-${mode}`}
              checked={settings.sites.mode === mode}
              onChange={() => setSettings({ ...settings, sites: { ...settings.sites, mode } })}
            />{' '}
            {text}
          </label>
        ))}
        <label>
          One site per line: <code>example.com</code>, or <code>*.example.com</code> for it and its subdomains (every port, http and https)
          <textarea
            rows={4}
            data-testid="opt-sites"
            disabled={settings.sites.mode === 'all'}
            value={siteText}
            onInput={(e) => setSiteText(e.currentTarget.value)}
          />
        </label>
        <p class="hint">
          Where a site is off, nothing of the extension runs in its pages. Changes apply to pages loaded after you save: reload a tab that
          is already open.
        </p>
      </fieldset>
      <fieldset>
        <legend>Budgets (for the toolbar alerts; the panel has its own)</legend>
        <label>
          Page budget (all memories of a tab), e.g. "256 MiB"; empty: none
          <input
            type="text"
            data-testid="opt-page-budget"
            value={budgets.page}
            onInput={(e) => setBudgets({ ...budgets, page: e.currentTarget.value })}
          />
        </label>
        <label>
          Budget per memory, e.g. "64 MiB"; empty: none
          <input
            type="text"
            data-testid="opt-memory-budget"
            value={budgets.memory}
            onInput={(e) => setBudgets({ ...budgets, memory: e.currentTarget.value })}
          />
        </label>
        <label>
          Warning levels, percent of a budget
          <input
            type="text"
            data-testid="opt-levels"
            value={budgets.levels}
            onInput={(e) => setBudgets({ ...budgets, levels: e.currentTarget.value })}
          />
        </label>
      </fieldset>
      <fieldset>
        <legend>Notifications (off by default)</legend>
        <label>
          <input
            type="checkbox"
            data-testid="opt-notify"
            checked={n.enabled}
            onChange={(e) => setNotify({ enabled: e.currentTarget.checked })}
          />{' '}
          Notify me once of each new leak alert (warning or error)
        </label>
        <label>
          <input
            type="checkbox"
            data-testid="opt-notify-background"
            checked={n.backgroundTabs}
            disabled={!n.enabled}
            onChange={(e) => setNotify({ backgroundTabs: e.currentTarget.checked })}
          />{' '}
          Also for tabs in the background
        </label>
        <label>
          At most one notification per tab every (seconds)
          <input type="text" data-testid="opt-notify-interval" value={interval} onInput={(e) => setIntervalText(e.currentTarget.value)} />
        </label>
      </fieldset>
      <fieldset>
        <legend>Sampling</legend>
        <label>
          Sample memory every{' '}
          <select
            data-testid="opt-sample-interval"
            value={String(settings.sampleIntervalMs)}
            onChange={(e) => setSettings({ ...settings, sampleIntervalMs: Number(e.currentTarget.value) })}
          >
            {SAMPLE_INTERVALS_MS.map((ms) => (
              <option key={ms} value={String(ms)}>
                {ms} ms
              </option>
            ))}
          </select>{' '}
          while a page's WebAssembly is busy (slower: less overhead, coarser charts; 500 ms when quiet, 1 s before any WebAssembly). Applies
          to pages loaded after you save.
        </label>
      </fieldset>
      <button data-testid="opt-save" onClick={() => void save()}>
        Save
      </button>{' '}
      {msg && (
        <span class={msg.ok ? 'ok' : 'error'} data-testid="opt-msg">
          {msg.text}
        </span>
      )}
    </main>
  );
}

const root = document.getElementById('app');
if (root) render(<Options />, root);
