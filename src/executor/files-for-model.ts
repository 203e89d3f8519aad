import type { FileUIPart, TextUIPart, UIMessage } from 'ai';
import { attachedFileNote, attachedFileText } from '../model/attached-file-text.ts';
import type { FileStore } from '../store/file-store.ts';
import { isTextMediaType } from './text-media-type.ts';
import { readWorkspaceFileToolName } from './tools/read-workspace-file.ts';
import { utf8Text } from './utf8-text.ts';
import { uploadedFileUrl } from '../protocol/file-urls.ts';

/** How the executor shows attached files to the model. */
export interface ModelFiles {
  /** Where uploaded files are read, always as the turn's user. */
  store: FileStore;
  /** Bytes of text attachments one message shows inline, its files together (FILE_INLINE_BYTES). */
  inlineBytes: number;
  /** Whether the model takes images (MODEL_ACCEPTS_IMAGES); if not, images are only named. */
  acceptsImages: boolean;
}

/** The image types OpenAI-compatible providers take; any other image is only named. */
const modelImageTypes = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

/** An attachment's bytes and description, as read for the model. */
interface FileContent {
  filename: string;
  mediaType: string;
  bytes: Uint8Array;
  /** Set for an uploaded file, which `read_workspace_file` can read. */
  fileId?: string;
}

/**
 * The messages as the model reads them, their file parts replaced: an uploaded file's url is a
 * path of our API, which neither the AI SDK nor a provider can fetch, so every file is read here
 * (uploaded ones as `userId`, the turn's user: another user's file reads as missing) and
 *
 * - text (`isTextMediaType`) becomes a text part with the file's text, the files of one message
 *   sharing `inlineBytes`; a file past that is cut with a marker saying where
 *   `read_workspace_file` reads on;
 * - an image the model takes becomes a file part with its bytes as a `data:` URL;
 * - anything else, or a file no longer there, is named in a text part.
 *
 * The stored messages are not changed. Other urls (none today) are left as they are.
 */
export async function withFilesForModel(
  messages: UIMessage[],
  files: ModelFiles,
  userId: string | null,
): Promise<UIMessage[]> {
  return Promise.all(messages.map((message) => messageForModel(message, files, userId)));
}

async function messageForModel(
  message: UIMessage,
  files: ModelFiles,
  userId: string | null,
): Promise<UIMessage> {
  const hasFiles = message.parts.some(
    (part) =>
      isReadableFilePart(part) ||
      (part.type === 'steering-message' && part.parts.some(isReadableFilePart)),
  );
  if (!hasFiles) return message;
  const parts = await partsForModel(message.parts, files, userId);
  // A follow-up the answer took is a user message of its own to the model, with its own budget.
  return {
    ...message,
    parts: await Promise.all(
      parts.map(async (part) =>
        part.type === 'steering-message'
          ? { ...part, parts: await partsForModel(part.parts, files, userId) }
          : part,
      ),
    ),
  };
}

async function partsForModel<Part extends UIMessage['parts'][number]>(
  messageParts: Part[],
  files: ModelFiles,
  userId: string | null,
): Promise<Array<Part | TextUIPart | FileUIPart>> {
  // Read together, shown in order: the first files take the inline budget.
  const contents = await Promise.all(
    messageParts.map((part) =>
      isReadableFilePart(part) ? contentOf(part, files.store, userId) : undefined,
    ),
  );
  let budget = files.inlineBytes;
  return messageParts.map((part, index) => {
    if (!isReadableFilePart(part)) return part;
    const content = contents[index];
    if (content === undefined || content === null) {
      const filename = part.filename ?? 'unnamed';
      return textPart(
        attachedFileNote({ filename, mediaType: part.mediaType }, 'no longer available'),
      );
    }
    const description = {
      filename: content.filename,
      mediaType: content.mediaType,
      sizeBytes: content.bytes.length,
      ...(content.fileId === undefined ? {} : { fileId: content.fileId }),
    };
    if (isTextMediaType(content.mediaType)) {
      const shown = utf8Text(content.bytes, 0, budget);
      // A budget smaller than the first character shows none of it (never half a character).
      const fits = shown.end <= budget;
      const shownBytes = fits ? shown.end : 0;
      budget -= shownBytes;
      return textPart(
        attachedFileText({ ...description, text: fits ? shown.text : '', shownBytes }),
      );
    }
    if (modelImageTypes.has(content.mediaType) && files.acceptsImages) {
      return part.url.startsWith('data:') ? part : imagePart(content);
    }
    const note = content.mediaType.startsWith('image/')
      ? 'an image this model is not shown'
      : 'not shown';
    return textPart(
      attachedFileNote(
        description,
        content.fileId === undefined ? note : `${note}; ${readWorkspaceFileToolName} reads it`,
      ),
    );
  });
}

function isReadableFilePart(part: UIMessage['parts'][number]): part is FileUIPart {
  return part.type === 'file' && (uploadedFileUrl.test(part.url) || part.url.startsWith('data:'));
}

/** The part's file: read from the store, or decoded from its `data:` URL; null when missing. */
async function contentOf(
  part: FileUIPart,
  store: FileStore,
  userId: string | null,
): Promise<FileContent | null> {
  const fileId = uploadedFileUrl.exec(part.url)?.[1];
  if (fileId === undefined) {
    return {
      filename: part.filename ?? 'unnamed',
      mediaType: part.mediaType.split(';')[0]?.trim().toLowerCase() ?? part.mediaType,
      bytes: dataUrlBytes(part.url),
    };
  }
  const read = userId === null ? null : await store.readFile(userId, fileId);
  if (read === null) return null;
  return {
    filename: read.file.filename,
    mediaType: read.file.mediaType,
    bytes: read.content,
    fileId,
  };
}

function dataUrlBytes(url: string): Uint8Array {
  const comma = url.indexOf(',');
  const data = url.slice(comma + 1);
  return url.slice(0, comma).endsWith(';base64')
    ? Buffer.from(data, 'base64')
    : Buffer.from(decodeURIComponent(data), 'utf8');
}

function imagePart(content: FileContent): FileUIPart {
  return {
    type: 'file',
    mediaType: content.mediaType,
    filename: content.filename,
    url: `data:${content.mediaType};base64,${Buffer.from(content.bytes).toString('base64')}`,
  };
}

function textPart(text: string): TextUIPart {
  return { type: 'text', text };
}
