import type { FileSettings } from '../config.ts';
import { bareMediaType, isAllowedMediaType } from './allowed-media-type.ts';
import { ApiError } from './api-error.ts';
import { readBodyWithLimits } from './request-body.ts';

/** Room for the multipart framing around the file: boundaries, part headers, a long filename. */
const multipartOverheadBytes = 64 * 1024;
const maxFilenameChars = 255;

export interface UploadedFile {
  filename: string;
  mediaType: string;
  content: Uint8Array;
}

/**
 * The file of a `multipart/form-data` upload, in a field named `file`. The body is read within
 * the file limit (plus the framing) before it is parsed, so an oversized upload costs at most
 * that much memory and is refused with 413 FILE_TOO_LARGE, never buffered whole; a type outside
 * `FILE_MEDIA_TYPES` is 415 FILE_TYPE_NOT_ALLOWED, one slower than `UPLOAD_TIMEOUT_MS` 408.
 */
export async function readUploadedFile(
  request: Request,
  settings: FileSettings,
): Promise<UploadedFile> {
  const contentType = request.headers.get('content-type') ?? '';
  if (!/^multipart\/form-data\b/i.test(contentType)) {
    throw new ApiError(
      'UNSUPPORTED_MEDIA_TYPE',
      'Send the file as multipart/form-data, in a field named file.',
    );
  }
  const maxBytes = settings.maxFileBytes + multipartOverheadBytes;
  const tooLarge = new ApiError(
    'FILE_TOO_LARGE',
    `The file is larger than ${settings.maxFileBytes} bytes, the largest accepted upload.`,
  );
  if (Number(request.headers.get('content-length') ?? '0') > maxBytes) throw tooLarge;
  const body = await readBodyWithLimits(request, {
    maxBytes,
    timeoutMs: settings.uploadTimeoutMs,
  }).catch((error: unknown) => {
    throw error instanceof ApiError && error.code === 'PAYLOAD_TOO_LARGE' ? tooLarge : error;
  });
  let form: FormData;
  try {
    form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
  } catch {
    throw new ApiError('MALFORMED_MULTIPART');
  }
  const file = form.get('file');
  if (!(file instanceof File)) {
    throw new ApiError('VALIDATION_FAILED', 'Send the file in a multipart field named file.');
  }
  if (file.size > settings.maxFileBytes) throw tooLarge;
  const mediaType = bareMediaType(file.type || 'application/octet-stream');
  if (mediaType === null || !isAllowedMediaType(mediaType, settings.mediaTypes)) {
    throw new ApiError(
      'FILE_TYPE_NOT_ALLOWED',
      `Files of type ${mediaType ?? 'unknown'} are not accepted; accepted: ${settings.mediaTypes.join(', ')}.`,
    );
  }
  // Control characters would break the Content-Disposition of the download and any display.
  // eslint-disable-next-line no-control-regex
  const filename = file.name.replace(/[\u0000-\u001f\u007f]/g, '').trim() || 'file';
  if (filename.length > maxFilenameChars) {
    throw new ApiError(
      'VALIDATION_FAILED',
      `The filename is longer than ${maxFilenameChars} characters.`,
    );
  }
  return { filename, mediaType, content: new Uint8Array(await file.arrayBuffer()) };
}
