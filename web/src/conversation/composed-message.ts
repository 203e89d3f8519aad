import type { FileUIPart } from 'ai';
import type { Attachment } from './use-attachments.ts';

/** What the composer sends: its text (empty for files alone) and the uploaded files it attaches. */
export interface ComposedMessage {
  text: string;
  files: FileUIPart[];
  /** The attachments as the composer showed them, to give back if the server refuses the send. */
  attachments?: readonly Attachment[];
}
