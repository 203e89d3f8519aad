/** Where an uploaded file downloads, relative to the API origin: also the url of its file parts. */
export function fileUrl(id: string): string {
  return `/api/chat/files/${id}`;
}

/** The url of an uploaded file; its one group is the file's id. */
export const uploadedFileUrl = /^\/api\/chat\/files\/([A-Za-z0-9_-]{1,128})$/;
