import { uploadedFileUrl } from '../protocol/file-urls.ts';

/**
 * The id of the uploaded file a file part's url points at (`/api/chat/files/<id>`), for
 * `downloadFile`; null for any other url (`data:`, another host).
 */
export function uploadedFileId(url: string): string | null {
  return uploadedFileUrl.exec(url)?.[1] ?? null;
}
