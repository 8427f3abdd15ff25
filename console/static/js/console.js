// Bootstrap Italia loads its fonts from window.__PUBLIC_PATH__: the console's vendored copy.
// A file, not an inline script, so the console's CSP can forbid inline scripts.
window.__PUBLIC_PATH__ = '/console/static/vendor/bootstrap-italia/fonts';
