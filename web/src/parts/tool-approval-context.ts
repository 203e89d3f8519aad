import { createContext } from 'react';

/** How a tool call awaiting approval is answered from the page (`useChat`'s approval response). */
export interface ToolApproval {
  /** Answers the approval `approvalId`; the chat sends it once every approval is answered. */
  respond: (approvalId: string, approved: boolean) => void;
  /** An answer is streaming: answering now would be refused, so the buttons wait. */
  busy: boolean;
}

/** Absent (null) where no chat can answer, e.g. a message shown outside the conversation. */
export const ToolApprovalContext = createContext<ToolApproval | null>(null);
