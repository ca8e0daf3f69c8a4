// A page with its own dedicated worker, for the CSP / Trusted Types specs (e2e/csp.spec.ts).
// The page's policies come from the response headers (scripts/serve.mjs `?serve-headers=`) or a
// <meta>. What the page observes is kept in window.__page: the securitypolicyviolation events it
// saw, and each worker run's outcome.
// `?trusted`: pass the worker URL as a TrustedScriptURL (the page's own Trusted Types policy).
// `?early`: start the worker at once, from this parser-blocking script in the page's <head>
// (before the extension's handshake, hence before it knows the page's header policies).
const params = new URLSearchParams(location.search);
window.__page = { violations: [], runs: [], trusted: params.has('trusted') };
window.addEventListener(
  'securitypolicyviolation',
  (e) => window.__page.violations.push({ blockedURI: e.blockedURI, directive: e.effectiveDirective, disposition: e.disposition }),
  true,
);

/** The worker script URL as the page passes it: a TrustedScriptURL when Trusted Types are enforced. */
function scriptUrl(url) {
  if (!window.__page.trusted) return url;
  window.__page.policy ??= trustedTypes.createPolicy('page', { createScriptURL: (u) => u });
  return window.__page.policy.createScriptURL(url);
}

/** Start the page's worker, let it make a wasm memory, and report what happened. */
window.runWorker = (type = 'classic') =>
  new Promise((resolve) => {
    const done = (r) => {
      window.__page.runs.push(r);
      resolve(r);
    };
    let w;
    try {
      w = new Worker(scriptUrl(type === 'module' ? '/e2e/pages/csp/worker.mjs' : '/e2e/pages/csp/worker.js'), { type });
    } catch (e) {
      done({ ok: false, threw: String(e) });
      return;
    }
    w.onmessage = (ev) => done({ ok: true, ...ev.data });
    w.onerror = (ev) => done({ ok: false, error: ev.message || 'error event' });
    w.postMessage('go');
  });

/**
 * A violation the page makes on purpose (an image from a source its img-src forbids): the test
 * waits for its report, which comes after any report the page's worker start caused.
 */
window.markerViolation = () => {
  const img = new Image();
  img.src = 'http://127.0.0.1:9/marker.png';
  document.body.append(img);
};

if (params.has('early')) window.runWorker();
