import { createContext, type MouseEvent, use, useEffect, useState } from 'react';
import { PaperclipIcon } from '../icons.tsx';

/**
 * Reads an uploaded file with the app's credentials. A bare `<img src>` or link carries the
 * visitor cookie but never the bearer token a signed-in user's requests send, so the app
 * fetches the file itself. Without one (a view rendered alone), files load straight from
 * their url.
 */
export type DownloadFile = (fileId: string, options: { signal?: AbortSignal }) => Promise<Blob>;

export const DownloadFileContext = createContext<DownloadFile | null>(null);

/** A file part of the user's own upload: an image shown inline, anything else a download. */
export function UploadedFileView({
  fileId,
  url,
  mediaType,
  filename,
}: {
  fileId: string;
  url: string;
  mediaType: string;
  filename: string | undefined;
}) {
  const download = use(DownloadFileContext);
  const name = filename ?? mediaType;
  const isImage = /^image\/(png|jpeg|gif|webp)$/.test(mediaType);
  return (
    <div
      className="file-part file-part-uploaded"
      data-testid="file-part"
      data-media-type={mediaType}
      data-filename={filename}
    >
      {isImage ? (
        <UploadedImage fileId={fileId} url={url} name={name} download={download} />
      ) : (
        <a
          className="file-chip"
          href={url}
          download={filename ?? true}
          onClick={download ? (event) => saveFile(event, fileId, name, download) : undefined}
        >
          <PaperclipIcon /> {name}
          <span className="muted"> · {mediaType}</span>
        </a>
      )}
    </div>
  );
}

function UploadedImage({
  fileId,
  url,
  name,
  download,
}: {
  fileId: string;
  url: string;
  name: string;
  download: DownloadFile | null;
}) {
  const [source, setSource] = useState<string | null>(download ? null : url);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    if (download === null) return;
    const controller = new AbortController();
    // Read as a data: URL: the page's CSP allows data: images but no blob: ones.
    download(fileId, { signal: controller.signal })
      .then(readAsDataUrl)
      .then(setSource, () => {
        if (!controller.signal.aborted) setFailed(true);
      });
    return () => controller.abort();
  }, [download, fileId]);

  if (failed) return <span className="muted">{name} could not be loaded</span>;
  if (source === null) return <span className="file-loading muted">Loading {name}…</span>;
  return <img src={source} alt={name} data-testid="file-image" />;
}

function readAsDataUrl(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error ?? new Error('The file could not be read.'));
    reader.readAsDataURL(blob);
  });
}

/** Downloads through `download`, so the request carries the token a plain link would not. */
async function saveFile(
  event: MouseEvent<HTMLAnchorElement>,
  fileId: string,
  name: string,
  download: DownloadFile,
) {
  event.preventDefault();
  const objectUrl = URL.createObjectURL(await download(fileId, {}));
  const link = document.createElement('a');
  link.href = objectUrl;
  link.download = name;
  link.click();
  // The browser has started the download by now; the object URL only holds memory.
  setTimeout(() => URL.revokeObjectURL(objectUrl), 60_000);
}
