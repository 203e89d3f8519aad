import {
  isDataUIPart,
  isToolUIPart,
  type DynamicToolUIPart,
  type ProviderMetadata,
  type ToolUIPart,
  type UIMessage,
  type UIMessageChunk,
} from 'ai';

/**
 * Chunks that, read by the AI SDK from an empty message (`readUIMessageStream`, `useChat`), build
 * `message` again: a `start` with its id and metadata, then each part. A turn that continues a
 * stored message (after a tool approval) opens its log with them, so its log alone describes
 * the whole message: folding it persists the earlier parts with the new ones, and a reader that
 * replays the turn from its first chunk (a reload, another device) rebuilds all of it.
 */
export function chunksOfMessage(message: UIMessage): UIMessageChunk[] {
  const chunks: UIMessageChunk[] = [
    {
      type: 'start',
      messageId: message.id,
      ...(message.metadata === undefined ? {} : { messageMetadata: message.metadata }),
    },
  ];
  message.parts.forEach((part, index) => {
    const id = `restored-${index}`;
    if (part.type === 'step-start') chunks.push({ type: 'start-step' });
    else if (part.type === 'text') {
      const metadata = withProviderMetadata(part.providerMetadata);
      chunks.push({ type: 'text-start', id, ...metadata });
      if (part.text !== '') chunks.push({ type: 'text-delta', id, delta: part.text });
      if (part.state !== 'streaming') {
        chunks.push({
          type: 'text-end',
          id,
          ...metadata,
          ...(part.citations === undefined ? {} : { citations: part.citations }),
        });
      }
    } else if (part.type === 'reasoning') {
      const metadata = withProviderMetadata(part.providerMetadata);
      const reasoningId = part.id ?? id;
      chunks.push({ type: 'reasoning-start', id: reasoningId, ...metadata });
      if (part.text !== '') {
        chunks.push({ type: 'reasoning-delta', id: reasoningId, delta: part.text });
      }
      if (part.state !== 'streaming') {
        chunks.push({ type: 'reasoning-end', id: reasoningId, ...metadata });
      }
    } else if (isToolUIPart(part)) chunks.push(...chunksOfToolPart(part));
    else if (isDataUIPart(part)) {
      chunks.push({
        type: part.type,
        data: part.data,
        ...(part.id === undefined ? {} : { id: part.id }),
      } as UIMessageChunk);
    } else if (part.type === 'file' || part.type === 'reasoning-file') {
      chunks.push({
        type: part.type,
        mediaType: part.mediaType,
        url: part.url,
        ...withProviderMetadata(part.providerMetadata),
      });
    } else if (part.type === 'source-url') {
      chunks.push({
        type: 'source-url',
        sourceId: part.sourceId,
        url: part.url,
        ...(part.title === undefined ? {} : { title: part.title }),
        ...withProviderMetadata(part.providerMetadata),
      });
    } else if (part.type === 'source-document') {
      chunks.push({
        type: 'source-document',
        sourceId: part.sourceId,
        mediaType: part.mediaType,
        title: part.title,
        ...(part.filename === undefined ? {} : { filename: part.filename }),
        ...withProviderMetadata(part.providerMetadata),
      });
    } else if (part.type === 'steering-message') {
      chunks.push({ type: 'steering-message', id: part.id, parts: part.parts });
    } else if (part.type === 'custom') {
      chunks.push({
        type: 'custom',
        kind: part.kind,
        ...withProviderMetadata(part.providerMetadata),
      });
    }
  });
  return chunks;
}

/** A tool call in the state the part records: its input, then its approval, then its outcome. */
function chunksOfToolPart(part: ToolUIPart | DynamicToolUIPart): UIMessageChunk[] {
  const { toolCallId } = part;
  const toolName = part.type === 'dynamic-tool' ? part.toolName : part.type.slice('tool-'.length);
  const call = {
    toolCallId,
    toolName,
    ...(part.type === 'dynamic-tool' ? { dynamic: true } : {}),
    ...(part.providerExecuted === undefined ? {} : { providerExecuted: part.providerExecuted }),
    ...(part.title === undefined ? {} : { title: part.title }),
    ...(part.toolMetadata === undefined ? {} : { toolMetadata: part.toolMetadata }),
  };
  const callMetadata = withProviderMetadata(part.callProviderMetadata);
  if (part.state === 'input-streaming') {
    return [
      {
        type: 'tool-input-start',
        ...call,
        ...callMetadata,
        ...(part.inputEncoding === undefined ? {} : { inputEncoding: part.inputEncoding }),
      },
      ...(part.rawInput === undefined
        ? []
        : [{ type: 'tool-input-delta' as const, toolCallId, inputTextDelta: part.rawInput }]),
    ];
  }
  if (part.state === 'output-error' && part.approval === undefined && part.input === undefined) {
    // The model's call was invalid (it never had a valid input): the SDK reports that this way.
    return [
      {
        type: 'tool-input-error',
        ...call,
        input: 'rawInput' in part ? part.rawInput : undefined,
        errorText: part.errorText,
        ...callMetadata,
      },
    ];
  }
  const chunks: UIMessageChunk[] = [
    { type: 'tool-input-available', ...call, input: part.input, ...callMetadata },
  ];
  const approval = part.approval;
  if (approval !== undefined) {
    chunks.push({
      type: 'tool-approval-request',
      approvalId: approval.id,
      toolCallId,
      ...('descriptor' in approval ? { approvalDescriptor: approval.descriptor } : {}),
      ...('inputSchemaInput' in approval ? { inputSchemaInput: approval.inputSchemaInput } : {}),
      ...(approval.requestReason === undefined ? {} : { reason: approval.requestReason }),
      ...(approval.isAutomatic === true ? { isAutomatic: true } : {}),
      ...(approval.signature === undefined ? {} : { signature: approval.signature }),
    } as UIMessageChunk);
    if (approval.approved !== undefined) {
      chunks.push({
        type: 'tool-approval-response',
        approvalId: approval.id,
        approved: approval.approved,
        ...(approval.reason === undefined ? {} : { reason: approval.reason }),
      } as UIMessageChunk);
    }
  }
  const resultMetadata = withProviderMetadata(
    'resultProviderMetadata' in part ? part.resultProviderMetadata : undefined,
  );
  if (part.state === 'output-available') {
    chunks.push({
      type: 'tool-output-available',
      toolCallId,
      output: part.output,
      ...(part.preliminary === undefined ? {} : { preliminary: part.preliminary }),
      ...(part.providerExecuted === undefined ? {} : { providerExecuted: part.providerExecuted }),
      ...resultMetadata,
    });
  } else if (part.state === 'output-error') {
    chunks.push({
      type: 'tool-output-error',
      toolCallId,
      errorText: part.errorText,
      ...(part.providerExecuted === undefined ? {} : { providerExecuted: part.providerExecuted }),
      ...resultMetadata,
    });
  } else if (part.state === 'output-denied') {
    chunks.push({ type: 'tool-output-denied', toolCallId });
  }
  return chunks;
}

function withProviderMetadata(metadata: ProviderMetadata | undefined): {
  providerMetadata?: ProviderMetadata;
} {
  return metadata === undefined ? {} : { providerMetadata: metadata };
}

/**
 * The position of the last chunk of a continued turn's restored message (see
 * `chunksOfMessage`): its log opens with one `start` and the restored parts, and what the turn
 * itself streamed begins at its next `start` (the model's) or at a terminal chunk (the turn
 * ended before a model ran). A client that already holds the message reads from after it.
 */
export function restoredMessageEnd(log: readonly UIMessageChunk[]): number {
  const end = log.findIndex(
    (chunk, index) =>
      index > 0 &&
      (chunk.type === 'start' ||
        chunk.type === 'finish' ||
        chunk.type === 'abort' ||
        chunk.type === 'error'),
  );
  return end === -1 ? log.length : end;
}
