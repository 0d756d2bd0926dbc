/**
 * The Content-Security-Policy of portal pages: scripts, styles, images and connections
 * from the portal itself only, and no inline script or style anywhere (the pages have
 * none, so an injected one cannot run).
 */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "manifest-src 'self'",
  "worker-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');
