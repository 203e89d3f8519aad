/** A text attachment as the model reads it: its description and (the beginning of) its text. */
export interface AttachedFileText {
  filename: string;
  mediaType: string;
  /** The uploaded file's id, through which `read_workspace_file` reads on; absent when sent inline. */
  fileId?: string;
  sizeBytes: number;
  /** The text shown: the whole file, or its first `shownBytes` bytes. */
  text: string;
  shownBytes: number;
}

const headerPattern = /^\[Attached file ("(?:[^"\\\n]|\\.)*") \(([^)\n]*)\)\]\n/;
const truncationPattern = /\n?\[Truncated: [^\n]*\]$/;

/**
 * One text part carrying an attachment: a header line naming the file (its name as a JSON
 * string, so any name reads back exactly), the text, a marker when the text was cut, and an end
 * line. The header and end lines let the model tell the file apart from what the user wrote, and
 * the marker says where the rest is, so a cut is never mistaken for the file's end.
 */
export function attachedFileText(file: AttachedFileText): string {
  const name = JSON.stringify(file.filename);
  const id = file.fileId === undefined ? '' : `, file_id ${file.fileId}`;
  const lines = [`[Attached file ${name} (${file.mediaType}, ${file.sizeBytes} bytes${id})]`];
  if (file.text !== '') lines.push(file.text);
  if (file.shownBytes < file.sizeBytes) {
    const rest =
      file.fileId === undefined
        ? 'the rest was not kept'
        : `read_workspace_file with file_id "${file.fileId}" and offset ${file.shownBytes} reads on`;
    lines.push(
      `[Truncated: the first ${file.shownBytes} of ${file.sizeBytes} bytes are shown; ${rest}]`,
    );
  }
  lines.push(`[End of file ${name}]`);
  return lines.join('\n');
}

/**
 * One text part naming an attachment the model is not shown, and why (`note`): the line the
 * model reads in the file's place, with the file_id when `read_workspace_file` can read it.
 */
export function attachedFileNote(
  file: { filename: string; mediaType: string; sizeBytes?: number; fileId?: string },
  note: string,
): string {
  const details = [
    file.mediaType,
    ...(file.sizeBytes === undefined ? [] : [`${file.sizeBytes} bytes`]),
    ...(file.fileId === undefined ? [] : [`file_id ${file.fileId}`]),
  ];
  return `[Attached file ${JSON.stringify(file.filename)} (${details.join(', ')}): ${note}]`;
}

/** Whether a text part is one `attachedFileText` or `attachedFileNote` wrote. */
export function isAttachedFileText(text: string): boolean {
  return text.startsWith('[Attached file "');
}

/**
 * The file name and shown text of a part `attachedFileText` wrote (without its markers), or
 * undefined for any other text: what the demo model quotes from, and leaves out of the user's
 * own words.
 */
export function readAttachedFileText(text: string): { filename: string; text: string } | undefined {
  const header = headerPattern.exec(text);
  if (header === null) return undefined;
  const quotedName = header[1] as string;
  const end = `\n[End of file ${quotedName}]`;
  if (!text.endsWith(end)) return undefined;
  const body = text.slice(header[0].length, text.length - end.length);
  return {
    filename: JSON.parse(quotedName) as string,
    text: body.startsWith('[Truncated: ') ? '' : body.replace(truncationPattern, ''),
  };
}
