/**
 * The panel's light/dark theme follows DevTools' own, live: `chrome.devtools.panels.themeName`
 * at start, then every change DevTools reports through `setThemeChangeHandler` (Chrome 99+).
 * The theme is `html[data-theme]`, which panel.css turns into CSS variables. Without the
 * DevTools API (the panel opened as an ordinary tab: tests, the CLI) no attribute is set and
 * panel.css follows `prefers-color-scheme`, which the browser applies live by itself.
 * Pure apart from what is passed in (unit-tested in theme.test.ts).
 */

export type PanelTheme = 'light' | 'dark';

/** What this needs of `chrome.devtools.panels`. */
export interface ThemeSource {
  themeName?: string;
  setThemeChangeHandler?: (callback?: (theme: string) => void) => void;
}

/** DevTools' theme name ('default', 'dark') as the panel's theme; null for anything else. */
export function panelTheme(name: unknown): PanelTheme | null {
  if (name === 'dark') return 'dark';
  if (name === 'default' || name === 'light') return 'light';
  return null;
}

/**
 * Apply DevTools' theme to `root` now and on every change. Returns a function that stops
 * following (unsets the handler). A name it does not know leaves the current theme as it is.
 */
export function followTheme(source: ThemeSource | undefined, root: { dataset: DOMStringMap }): () => void {
  const apply = (name: unknown): void => {
    const theme = panelTheme(name);
    if (theme !== null) root.dataset.theme = theme;
  };
  if (source === undefined) return () => undefined;
  apply(source.themeName);
  const set = source.setThemeChangeHandler;
  if (typeof set !== 'function') return () => undefined;
  set.call(source, apply);
  return () => set.call(source);
}
