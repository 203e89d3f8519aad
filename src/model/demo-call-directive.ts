/** A tool call asked for in a message: `[demo:call=NAME]` or `[demo:call=NAME {"json":"input"}]`. */
export interface DemoCallDirective {
  toolName: string;
  input: Record<string, unknown>;
}

const directiveStart = /\[demo:call=([a-zA-Z0-9_-]{1,64})\s*/i;

/**
 * The first `[demo:call=…]` directive of `text`: the tool name, then optionally a JSON object
 * (which may itself hold `]`), then `]`. Undefined when there is none or it is malformed (not
 * an object, bad JSON, unclosed): the demo model then answers in text, as for any message.
 */
export function parseDemoCallDirective(text: string): DemoCallDirective | undefined {
  const start = directiveStart.exec(text);
  const toolName = start?.[1];
  if (start === null || toolName === undefined) return undefined;
  const rest = text.slice(start.index + start[0].length);
  if (rest.startsWith(']')) return { toolName, input: {} };
  if (!rest.startsWith('{')) return undefined;
  const end = endOfJsonObject(rest);
  if (end === undefined || !rest.slice(end).trimStart().startsWith(']')) return undefined;
  try {
    const input: unknown = JSON.parse(rest.slice(0, end));
    if (typeof input !== 'object' || input === null || Array.isArray(input)) return undefined;
    return { toolName, input: input as Record<string, unknown> };
  } catch {
    return undefined;
  }
}

/** The index just after the `}` that closes the object `text` starts with, strings skipped. */
function endOfJsonObject(text: string): number | undefined {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const character = text[index];
    if (inString) {
      if (character === '\\') index += 1;
      else if (character === '"') inString = false;
    } else if (character === '"') inString = true;
    else if (character === '{' || character === '[') depth += 1;
    else if (character === '}' || character === ']') {
      depth -= 1;
      if (depth === 0) return character === '}' ? index + 1 : undefined;
    }
  }
  return undefined;
}
