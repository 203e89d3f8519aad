import { PaperclipIcon } from '../icons.tsx';
import { formatFileSize } from './format-file-size.ts';
import type { Attachment } from './use-attachments.ts';

/**
 * The files attached to the message being written, before it is sent: a thumbnail for an
 * image, a chip with name, type and size for anything else, each with its upload's state and
 * a button that removes it.
 */
export function AttachmentList({
  items,
  onRemove,
}: {
  items: readonly Attachment[];
  onRemove: (key: string) => void;
}) {
  if (items.length === 0) return null;
  return (
    <ul className="attachment-list" aria-label="Attached files">
      {items.map((item) => (
        <li
          key={item.key}
          className={`attachment attachment-${item.status}`}
          data-testid="attachment"
          data-status={item.status}
          data-filename={item.filename}
        >
          {item.preview !== null ? (
            <img className="attachment-thumbnail" src={item.preview} alt={item.filename} />
          ) : (
            <span className="attachment-type">
              <PaperclipIcon />
            </span>
          )}
          <span className="attachment-details">
            <span className="attachment-name" title={item.filename}>
              {item.filename}
            </span>
            <span className="attachment-meta">
              {item.status === 'uploading'
                ? 'Uploading…'
                : `${item.mediaType} · ${formatFileSize(item.sizeBytes)}`}
            </span>
            {item.error !== null && (
              <span className="attachment-error" data-testid="attachment-error" role="alert">
                {item.error}
              </span>
            )}
          </span>
          <button
            type="button"
            className="attachment-remove"
            data-testid="remove-attachment"
            aria-label={`Remove ${item.filename}`}
            onClick={() => onRemove(item.key)}
          >
            ×
          </button>
        </li>
      ))}
    </ul>
  );
}
