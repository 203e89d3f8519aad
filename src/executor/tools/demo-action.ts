import { tool } from 'ai';
import { z } from 'zod';
import { toolInput } from './tool-input.ts';

/** What the `demo_action` tool returns to the model once the user approved the call. */
export interface DemoActionOutput {
  done: string;
}

/**
 * The `demo_action` tool: the demo model calls it for a `[demo:approval]` message. It changes
 * nothing anywhere, but it needs the user's approval (`needsApproval`), so the turn ends asking
 * for it and the answer continues once the user approved or denied the call.
 */
export const demoActionTool = tool({
  description:
    'Performs a harmless pretend action after the user approves it. Used by the built-in demo model only.',
  inputSchema: toolInput(z.object({ action: z.string().min(1).max(200) })),
  needsApproval: true,
  execute: async ({ action }): Promise<DemoActionOutput> => ({ done: action }),
});
