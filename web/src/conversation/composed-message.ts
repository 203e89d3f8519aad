import type { FileUIPart } from 'ai';

/** What the composer sends: its text (empty for files alone) and the uploaded files it attaches. */
export interface ComposedMessage {
  text: string;
  files: FileUIPart[];
}
