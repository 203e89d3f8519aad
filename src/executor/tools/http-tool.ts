import { type JSONSchema7, jsonSchema } from 'ai';
import type {
  LongRunningToolDefinition,
  OperationStartRequest,
  OperationStartResponse,
} from './long-running-tool.ts';

/** One external HTTP tool, as configured (`HTTP_TOOLS_FILE`), already validated. */
export interface HttpToolSettings {
  name: string;
  description: string;
  /** A JSON Schema of type `object`: what the model is told the tool takes. */
  inputSchema: JSONSchema7;
  /** Where the start request is POSTed. */
  url: string;
  /** How long the service may take to answer the start request (not the work behind a 202). */
  timeoutMs: number;
  cancelUrl?: string;
  needsApproval?: boolean;
  /** How long a 202-accepted operation may take to complete; absent: the configured default. */
  deadlineMs?: number;
}

/** How much of a refusing service's body the model reads: enough to explain, not a whole page. */
const errorBodyChars = 500;

/**
 * A tool whose work an external HTTP service does. Starting it POSTs
 * `{operation_id, input, callback_url, completion_token}` to `settings.url`:
 * - `200`: the body (JSON when it parses, else the text) is the tool's result, at once;
 * - `202`: the service took the work and completes the operation later through the webhook
 *   (or the queue) with the completion token;
 * - any other status, no answer within `timeoutMs`, or no connection: a tool error the model
 *   reads, naming the tool and what went wrong.
 * The model's input is passed on as the model sent it: the service validates it (its 4xx is
 * the error the model then reads).
 */
export function createHttpTool(settings: HttpToolSettings): LongRunningToolDefinition {
  return {
    name: settings.name,
    description: settings.description,
    inputSchema: jsonSchema(settings.inputSchema),
    ...(settings.deadlineMs === undefined ? {} : { deadlineMs: settings.deadlineMs }),
    ...(settings.cancelUrl === undefined ? {} : { cancelUrl: settings.cancelUrl }),
    ...(settings.needsApproval === true ? { needsApproval: true } : {}),
    start: (request) => startOperation(settings, request),
  };
}

async function startOperation(
  settings: HttpToolSettings,
  request: OperationStartRequest,
): Promise<OperationStartResponse> {
  const timeout = AbortSignal.timeout(settings.timeoutMs);
  // One signal for the request and its body: a service that answers headers and then stalls
  // the body is as late as one that never answers.
  const signal = AbortSignal.any([request.signal, timeout]);
  let status: number;
  let body: string;
  try {
    const response = await fetch(settings.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({
        operation_id: request.operationId,
        input: request.input,
        callback_url: request.callbackUrl,
        completion_token: request.completionToken,
      }),
      signal,
    });
    status = response.status;
    body = await response.text();
  } catch (error) {
    // A stopped turn is not the service's fault: the abort travels on as it came.
    if (request.signal.aborted) throw error;
    if (timeout.aborted) {
      throw new Error(`${settings.name} did not answer within ${settings.timeoutMs} ms`, {
        cause: error,
      });
    }
    throw new Error(`${settings.name} could not be reached: ${reasonOf(error)}`, { cause: error });
  }
  if (status === 200) return { type: 'result', output: parsedBody(body) };
  if (status === 202) return { type: 'accepted' };
  const excerpt = body.trim().slice(0, errorBodyChars);
  throw new Error(
    `${settings.name} answered HTTP ${status}${excerpt === '' ? '' : `: ${excerpt}`}`,
  );
}

function parsedBody(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return body;
  }
}

/** `fetch` says "fetch failed"; the reason (refused, unknown host…) is in its cause. */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  if (cause instanceof Error && cause.message !== '') return cause.message;
  return error.message;
}
