/**
 * The Content-Security-Policy of the web app: its scripts, styles, fonts and API calls come only
 * from its own origin, images also from `imageOrigins` (IMAGE_HOSTS) and `data:` URLs (an image
 * file part of an answer, e.g. a generated picture, carries its bytes: no request leaves the
 * browser) and nowhere else, and no page may frame it. The app needs nothing more: Vite emits no inline script or style, React sets
 * styles through the DOM (which `style-src` does not govern) and the syntax highlighter loads as
 * a same-origin chunk. Even if the app's own image rule failed, the browser would refuse an
 * answer's image from another host.
 */
export function contentSecurityPolicy(imageOrigins: readonly string[]): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    ['img-src', "'self'", 'data:', ...imageOrigins].join(' '),
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * The page shown while the app is not built: static, no script, one inline style attribute.
 */
export const missingBuildPagePolicy =
  "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
