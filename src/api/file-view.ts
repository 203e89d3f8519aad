import type { StoredFile } from '../store/file-store.ts';

/** Where a file downloads, relative to the API origin: also the url of its file parts. */
export function fileUrl(id: string): string {
  return `/api/chat/files/${id}`;
}

/** The url of an uploaded file; its one group is the file's id. */
export const uploadedFileUrl = /^\/api\/chat\/files\/([A-Za-z0-9_-]{1,128})$/;

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
