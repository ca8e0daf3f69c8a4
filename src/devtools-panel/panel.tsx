import { render } from 'preact';
render(<h1>WASM Memory</h1>, document.getElementById('app')!);
