import { tool } from 'ai';
import { z } from 'zod';
import { toolInput } from './tool-input.ts';
import { type DemoStepInput, maximumDemoSteps } from '../../model/demo-steps.ts';

/** What the `demo_step` tool returns to the model. */
export interface DemoStepOutput extends DemoStepInput {
  remaining: number;
}

/**
 * The `demo_step` tool: the demo model calls it at the end of each step of a `[demo:steps]`
 * answer. It does nothing; a tool call is what makes the AI SDK run another step, and step
 * boundaries are where steering messages reach the model.
 */
export const demoStepTool = tool({
  description:
    'Ends one step of a multi-step demo answer so that the next step follows. Used by the built-in demo model only.',
  inputSchema: toolInput(
    z.object({
      step: z.number().int().min(1).max(maximumDemoSteps),
      steps: z.number().int().min(1).max(maximumDemoSteps),
    }),
  ),
  execute: async ({ step, steps }): Promise<DemoStepOutput> => ({
    step,
    steps,
    remaining: Math.max(0, steps - step),
  }),
});
