/**
 * `IMAGE_HOSTS` as the origins images may load from: a comma-separated list of origins
 * (`https://images.example.com`, `http://127.0.0.1:8080`) or bare hosts (`images.example.com`,
 * meaning https). Only exact origins: no paths, wildcards or credentials, so the list means the
 * same to the web app's image rule and to the Content-Security-Policy's `img-src`.
 * Returns the normalised origins, or the entries it refuses.
 */
export function parseImageOrigins(
  value: string,
): { origins: string[]; refused: [] } | { origins: []; refused: string[] } {
  const origins = new Set<string>();
  const refused: string[] = [];
  for (const entry of value.split(',').map((part) => part.trim())) {
    if (entry === '') continue;
    const origin = originOf(entry);
    if (origin === null) refused.push(entry);
    else origins.add(origin);
  }
  return refused.length > 0 ? { origins: [], refused } : { origins: [...origins], refused: [] };
}

const hostPattern = /^(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])$/;

function originOf(entry: string): string | null {
  const withScheme = entry.includes('://') ? entry : `https://${entry}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return null;
  }
  const onlyOrigin =
    (url.protocol === 'https:' || url.protocol === 'http:') &&
    url.username === '' &&
    url.password === '' &&
    url.pathname === '/' &&
    url.search === '' &&
    url.hash === '' &&
    // Nothing but scheme and authority (one trailing slash at most): no path, query or fragment.
    /^https?:\/\/[^/?#@\\]+\/?$/i.test(withScheme) &&
    // `data:` would otherwise read as the host `data` with an empty port.
    !/:\/?$/.test(withScheme) &&
    hostPattern.test(url.hostname);
  return onlyOrigin ? url.origin : null;
}
