import type { FileUIPart, UIMessage } from 'ai';
import { fileUrl, uploadedFileUrl } from '../protocol/file-urls.ts';
import type { FileStore } from '../store/file-store.ts';
import type { TurnRequest } from '../turn/turn-request.ts';
import { isAllowedMediaType } from './allowed-media-type.ts';
import { ApiError } from './api-error.ts';
import type { Caller } from './authenticator.ts';

/**
 * The request with the caller's uploaded files attached to the message it sends: one file part
 * per id of `fileIds` (`/api/chat/files/<id>` with the file's type and name), before the text,
 * where `sendMessage({text, files})` puts them. File parts the client sent itself stay as sent,
 * but one that points at an uploaded file must point at one of the caller's, and every file
 * part's type must be one `FILE_MEDIA_TYPES` accepts. Ids that are unknown, deleted or another
 * caller's are refused together: 422 UNKNOWN_FILE_IDS naming them all in `details.file_ids`.
 */
export async function withAttachedFiles(
  dependencies: { files: FileStore; mediaTypes: readonly string[] },
  caller: Caller,
  request: TurnRequest,
  fileIds: readonly string[],
): Promise<TurnRequest> {
  const message =
    request.type === 'regenerate'
      ? request.sendIfMissing
      : request.type === 'approval'
        ? undefined
        : request.message;
  if (message === undefined) return request;
  const sentParts = message.parts.filter((part) => part.type === 'file');
  for (const part of sentParts) {
    if (!isAllowedMediaType(part.mediaType, dependencies.mediaTypes)) {
      throw new ApiError(
        'FILE_TYPE_NOT_ALLOWED',
        `Files of type ${part.mediaType} are not accepted; accepted: ${dependencies.mediaTypes.join(', ')}.`,
      );
    }
  }
  const attached = [...new Set(fileIds)];
  const referenced = sentParts.flatMap((part) => uploadedFileUrl.exec(part.url)?.[1] ?? []);
  const wanted = [...new Set([...attached, ...referenced])];
  if (wanted.length === 0) return request;
  // A caller without an identity owns no file.
  const found =
    caller.userId === null ? [] : await dependencies.files.getFiles(caller.userId, wanted);
  const missing = wanted.filter((id) => !found.some((file) => file.id === id));
  if (missing.length > 0) {
    throw new ApiError('UNKNOWN_FILE_IDS', undefined, { file_ids: missing });
  }
  if (attached.length === 0) return request;
  const parts = attached.flatMap((id): FileUIPart[] => {
    const file = found.find((candidate) => candidate.id === id);
    return file
      ? [{ type: 'file', mediaType: file.mediaType, filename: file.filename, url: fileUrl(id) }]
      : [];
  });
  const withFiles: UIMessage = { ...message, parts: [...parts, ...message.parts] };
  switch (request.type) {
    case 'regenerate':
      return { ...request, sendIfMissing: withFiles };
    case 'message':
    case 'edit':
      return { ...request, message: withFiles };
    case 'approval':
      return request;
  }
}
