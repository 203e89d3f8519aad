import type { ToolSet } from 'ai';
import { calculatorTool } from './calculator.ts';
import { createCurrentTimeTool } from './current-time.ts';
import { demoActionTool } from './demo-action.ts';
import { demoStepTool } from './demo-step.ts';

/** Options of the built-in tool set. */
export interface BuiltInToolsOptions {
  /** Clock of the `current_time` tool; tests pin it. */
  now?: () => Date;
  /**
   * Adds `demo_step` and `demo_action`, which only the demo model calls (`[demo:steps]`,
   * `[demo:approval]`); a real model is not offered tools that do nothing.
   */
  demoSteps?: boolean;
}

/** The tools every turn offers the model, keyed by the name the model calls them by. */
export function createBuiltInTools(options: BuiltInToolsOptions = {}): ToolSet {
  return {
    calculator: calculatorTool,
    current_time: createCurrentTimeTool(options.now),
    ...(options.demoSteps === true ? { demo_step: demoStepTool, demo_action: demoActionTool } : {}),
  };
}
