chrome.devtools.panels.create('WASM Memory', '', 'src/devtools-panel/panel.html');
