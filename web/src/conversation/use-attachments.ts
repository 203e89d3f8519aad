import type { FileUIPart } from 'ai';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { UploadedFile } from '../../../src/client/index.ts';
import { describeError, type UploadFile } from '../chat-services.ts';

/** A file the composer attaches to the next message, from the moment it was picked. */
export interface Attachment {
  key: string;
  filename: string;
  mediaType: string;
  sizeBytes: number;
  /** A `data:` URL of an image, for its thumbnail (the page allows no `blob:` images). */
  preview: string | null;
  status: 'uploading' | 'uploaded' | 'failed';
  /** What went wrong, in words for people: the server's message for a refused file. */
  error: string | null;
  uploaded: UploadedFile | null;
}

export interface Attachments {
  items: readonly Attachment[];
  add(files: readonly File[]): void;
  remove(key: string): void;
  /** Forgets every attachment (after a send): an upload still running is abandoned. */
  clear(): void;
  /** Puts back the attachments of a refused send, unless others were attached since. */
  restore(items: readonly Attachment[]): void;
  /** The uploaded files as the file parts `sendMessage({ text, files })` sends. */
  parts: FileUIPart[];
  /** Nothing is still uploading or failed: what the composer shows is what a send sends. */
  ready: boolean;
}

/** Images larger than this get no thumbnail: reading them whole would stall the page. */
const maxPreviewBytes = 8 * 1024 * 1024;

let nextKey = 0;

/**
 * The files attached to the message being written. Each file uploads as soon as it is
 * attached, so Send has nothing left to wait for; removing one abandons its upload.
 */
export function useAttachments(upload: UploadFile): Attachments {
  const [items, setItems] = useState<readonly Attachment[]>([]);
  const uploads = useRef(new Map<string, AbortController>());

  const update = useCallback((key: string, change: Partial<Attachment>) => {
    setItems((current) =>
      current.map((item) => (item.key === key ? { ...item, ...change } : item)),
    );
  }, []);

  const add = useCallback(
    (files: readonly File[]) => {
      const added = files.map((file): Attachment => {
        nextKey += 1;
        return {
          key: `attachment-${nextKey}`,
          filename: file.name || 'file',
          mediaType: file.type || 'application/octet-stream',
          sizeBytes: file.size,
          preview: null,
          status: 'uploading',
          error: null,
          uploaded: null,
        };
      });
      setItems((current) => [...current, ...added]);
      added.forEach((attachment, index) => {
        const file = files[index]!;
        const controller = new AbortController();
        uploads.current.set(attachment.key, controller);
        upload(file, controller.signal).then(
          (uploaded) => update(attachment.key, { status: 'uploaded', uploaded }),
          (error: unknown) => {
            if (controller.signal.aborted) return;
            update(attachment.key, { status: 'failed', error: describeError(error) });
          },
        );
        if (file.type.startsWith('image/') && file.size <= maxPreviewBytes) {
          const reader = new FileReader();
          reader.onload = () => {
            if (typeof reader.result === 'string') {
              update(attachment.key, { preview: reader.result });
            }
          };
          reader.readAsDataURL(file);
        }
      });
    },
    [upload, update],
  );

  const remove = useCallback((key: string) => {
    uploads.current.get(key)?.abort();
    uploads.current.delete(key);
    setItems((current) => current.filter((item) => item.key !== key));
  }, []);

  const clear = useCallback(() => {
    // A finished upload's abort does nothing; only the running ones stop.
    for (const controller of uploads.current.values()) controller.abort();
    uploads.current.clear();
    setItems([]);
  }, []);

  const restore = useCallback((restored: readonly Attachment[]) => {
    setItems((current) => (current.length === 0 ? restored : current));
  }, []);

  useEffect(() => {
    const running = uploads.current;
    return () => {
      for (const controller of running.values()) controller.abort();
    };
  }, []);

  return useMemo(() => {
    const parts = items.flatMap(({ uploaded }): FileUIPart[] =>
      uploaded === null
        ? []
        : [
            {
              type: 'file',
              mediaType: uploaded.media_type,
              filename: uploaded.filename,
              url: uploaded.url,
            },
          ],
    );
    const ready = items.every((item) => item.status === 'uploaded');
    return { items, add, remove, clear, restore, parts, ready };
  }, [items, add, remove, clear, restore]);
}
