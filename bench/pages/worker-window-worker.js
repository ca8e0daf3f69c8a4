// A page's worker for bench/worker-window.mjs: nothing to do.
