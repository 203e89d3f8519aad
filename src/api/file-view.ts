import { fileUrl } from '../protocol/file-urls.ts';
import type { StoredFile } from '../store/file-store.ts';

/** A file as the API shows it (`fileSchema`). */
export function fileView(file: StoredFile) {
  return {
    id: file.id,
    filename: file.filename,
    media_type: file.mediaType,
    size_bytes: file.sizeBytes,
    created_at: file.createdAt.toISOString(),
    url: fileUrl(file.id),
  };
}
