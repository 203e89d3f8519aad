import { readFile } from 'node:fs/promises';
import type { JSONSchema7 } from 'ai';
import { z } from 'zod';
import { ConfigError } from '../config.ts';
import type { HttpToolSettings } from '../executor/tools/http-tool.ts';

/** What the model and the providers accept as a tool name (OpenAI's function-name rule). */
const toolNamePattern = /^[a-zA-Z0-9_-]{1,64}$/;
export const defaultHttpToolTimeoutMs = 10_000;

const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });

const httpToolSchema = z.strictObject({
  name: z.string().regex(toolNamePattern, {
    error: 'expected 1 to 64 letters, digits, "_" or "-"',
  }),
  description: z.string().trim().min(1).max(4000),
  // Models are offered object inputs only; the rest of the schema is passed on as written.
  input_schema: z.looseObject({
    type: z.literal('object', { error: 'expected "object" (a tool takes an object)' }),
  }),
  url: httpUrl,
  timeout_ms: z.number().int().min(1).max(600_000).default(defaultHttpToolTimeoutMs),
  cancel_url: httpUrl.optional(),
  needs_approval: z.boolean().optional(),
  deadline_ms: z
    .number()
    .int()
    .min(1_000)
    .max(30 * 86_400_000)
    .optional(),
});

const httpToolsFileSchema = z.strictObject({ tools: z.array(httpToolSchema) });

/**
 * Reads and validates the HTTP tools file (`HTTP_TOOLS_FILE`). Anything wrong — a missing or
 * unreadable file, bad JSON, a bad field, a name used twice or taken by a built-in tool — is a
 * ConfigError naming the file and every bad field, so the process stops at start-up with one
 * clear message instead of offering the model a broken tool.
 */
export async function loadHttpTools(
  path: string,
  options: { reservedNames: Iterable<string> },
): Promise<HttpToolSettings[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(`invalid HTTP_TOOLS_FILE ${path}: cannot read it (${reason})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(`invalid HTTP_TOOLS_FILE ${path}: not JSON (${reason})`);
  }
  const parsed = httpToolsFileSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(the file)'}: ${issue.message}`,
    );
    throw new ConfigError(`invalid HTTP_TOOLS_FILE ${path}:\n  ${problems.join('\n  ')}`);
  }
  const reserved = new Set(options.reservedNames);
  const seen = new Set<string>();
  const problems: string[] = [];
  parsed.data.tools.forEach((entry, index) => {
    if (reserved.has(entry.name)) {
      problems.push(`tools.${index}.name: "${entry.name}" is a built-in tool`);
    } else if (seen.has(entry.name)) {
      problems.push(`tools.${index}.name: "${entry.name}" is listed twice`);
    }
    seen.add(entry.name);
  });
  if (problems.length > 0) {
    throw new ConfigError(`invalid HTTP_TOOLS_FILE ${path}:\n  ${problems.join('\n  ')}`);
  }
  return parsed.data.tools.map((entry) => ({
    name: entry.name,
    description: entry.description,
    inputSchema: entry.input_schema as JSONSchema7,
    url: entry.url,
    timeoutMs: entry.timeout_ms,
    ...(entry.cancel_url === undefined ? {} : { cancelUrl: entry.cancel_url }),
    ...(entry.needs_approval === undefined ? {} : { needsApproval: entry.needs_approval }),
    ...(entry.deadline_ms === undefined ? {} : { deadlineMs: entry.deadline_ms }),
  }));
}
