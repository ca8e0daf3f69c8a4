// The DevTools page: registers the "WASM Memory" panel. The panel page binds itself to
// chrome.devtools.inspectedWindow.tabId.
chrome.devtools.panels.create('WASM Memory', 'icons/icon32.png', 'src/devtools-panel/panel.html');
