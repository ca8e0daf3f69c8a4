import { describe, expect, it } from 'vitest';
import { followTheme, panelTheme, type ThemeSource } from './theme';

function fakePanels(themeName?: string): ThemeSource & { fire(name: string): void; handler: ((t: string) => void) | undefined } {
  const p = {
    themeName,
    handler: undefined as ((t: string) => void) | undefined,
    setThemeChangeHandler(cb?: (t: string) => void) {
      p.handler = cb;
    },
    fire(name: string) {
      p.handler?.(name);
    },
  };
  return p;
}

describe('panel theme', () => {
  it('maps DevTools theme names', () => {
    expect(panelTheme('dark')).toBe('dark');
    expect(panelTheme('default')).toBe('light');
    expect(panelTheme('light')).toBe('light');
    expect(panelTheme('solarized')).toBeNull();
    expect(panelTheme(undefined)).toBeNull();
  });

  it('applies the theme at start and follows every change until stopped', () => {
    const root = { dataset: {} as DOMStringMap };
    const panels = fakePanels('default');
    const stop = followTheme(panels, root);
    expect(root.dataset.theme).toBe('light');
    panels.fire('dark');
    expect(root.dataset.theme).toBe('dark');
    panels.fire('nonsense');
    expect(root.dataset.theme).toBe('dark');
    panels.fire('default');
    expect(root.dataset.theme).toBe('light');
    stop();
    expect(panels.handler).toBeUndefined();
  });

  it('without the DevTools API sets nothing (CSS follows prefers-color-scheme)', () => {
    const root = { dataset: {} as DOMStringMap };
    followTheme(undefined, root)();
    expect(root.dataset.theme).toBeUndefined();
    const old: ThemeSource = { themeName: 'dark' }; // before Chrome 99: no change handler
    followTheme(old, root)();
    expect(root.dataset.theme).toBe('dark');
  });
});
