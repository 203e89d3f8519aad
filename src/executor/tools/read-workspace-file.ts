import { tool } from 'ai';
import { z } from 'zod';
import { type FileStore, fileIdPattern } from '../../store/file-store.ts';
import { isTextMediaType } from '../text-media-type.ts';
import { utf8Text } from '../utf8-text.ts';
import { toolInput } from './tool-input.ts';

/** The name the model calls the tool by; HTTP tools may not take it. */
export const readWorkspaceFileToolName = 'read_workspace_file';

/**
 * Most bytes one call returns: a slice that, even as base64 in JSON, stays within the default
 * tool output limit (MAX_TOOL_OUTPUT_BYTES, 100 KB), so a read is never cut by that limit.
 */
export const maximumReadBytes = 32 * 1024;

/** What one read returns to the model. */
export interface WorkspaceFileSlice {
  file_id: string;
  filename: string;
  media_type: string;
  size_bytes: number;
  offset: number;
  /** `text`: the slice as UTF-8 text (never half a character); `base64`: its bytes. */
  encoding: 'text' | 'base64';
  content: string;
  /** Where the next slice starts; null once the file is read to its end. */
  next_offset: number | null;
}

const inputSchema = toolInput(
  z.object({
    file_id: z.string().max(200).describe('the file_id of an attached or uploaded file'),
    offset: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('byte offset to read from (default 0; a truncated attachment says where)'),
    length: z
      .number()
      .int()
      .min(1)
      .max(maximumReadBytes)
      .optional()
      .describe(`bytes to read (default and most: ${maximumReadBytes})`),
  }),
);

/**
 * Builds the `read_workspace_file` tool of one turn: it reads the files of `userId`, the owner of
 * the turn's session, and nobody else's. Another user's file id, like an unknown one, fails the
 * call with the same "no file" error (invariant 7); a turn without a user reads no file.
 */
export function createReadWorkspaceFileTool(files: FileStore, userId: string | null) {
  return tool({
    description:
      'Read a file the user attached or uploaded, by its file_id: a slice of its bytes from ' +
      '`offset`, as text for text files and as base64 for others (PDF, images). Use it for ' +
      'attachments that were truncated or only named; `next_offset` says where to read on.',
    inputSchema,
    execute: async ({ file_id, offset = 0, length = maximumReadBytes }) => {
      const read =
        userId === null || !fileIdPattern.test(file_id)
          ? null
          : await files.readFile(userId, file_id);
      if (read === null) throw new Error(`no file with id "${file_id}"`);
      const { file, content } = read;
      const start = Math.min(offset, content.length);
      const text = isTextMediaType(file.mediaType);
      const slice = text
        ? utf8Text(content, start, start + length)
        : {
            text: Buffer.from(content.subarray(start, start + length)).toString('base64'),
            end: Math.min(start + length, content.length),
          };
      return {
        file_id: file.id,
        filename: file.filename,
        media_type: file.mediaType,
        size_bytes: file.sizeBytes,
        offset: start,
        encoding: text ? 'text' : 'base64',
        content: slice.text,
        next_offset: slice.end < content.length ? slice.end : null,
      } satisfies WorkspaceFileSlice;
    },
  });
}
