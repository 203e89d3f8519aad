/**
 * The durable-chat client SDK (package entry `durable-chat/client`): typed calls for every
 * route, a resumable stream reader, a `ChatTransport` for `useChat`, and the seed's legacy chunk
 * shapes for teams migrating from it. Browser- and Node-safe: nothing here imports `node:`.
 */
export type { DurableChatClientOptions, TokenSource } from './api-connection.ts';
export type {
  ActiveStream,
  ApprovalAnswer,
  AssignUserResponse,
  AuthConfig,
  CancelResponse,
  CreateSessionResponse,
  ErrorResponse,
  ListFilesResponse,
  ListSessionsQuery,
  ListSessionsResponse,
  MultitaskOutcome,
  MultitaskStrategy,
  Operation,
  OperationCompletion,
  OperationCompletionResponse,
  OperationCredentials,
  OperationStatus,
  OutgoingMessage,
  PageContext,
  PendingMessage,
  RenameSessionResponse,
  SessionDetail,
  SessionPageQuery,
  SessionSummary,
  TtlConfig,
  UploadedFile,
  WebConfig,
} from './api-types.ts';
export {
  type ChatTransportOptions,
  createChatTransport,
  type SentMessage,
} from './create-chat-transport.ts';
export { DurableChatApiError } from './durable-chat-api-error.ts';
export {
  DurableChatClient,
  type FollowSessionOptions,
  type RegenerateOptions,
  type ResumeTurnOptions,
  type SendMessageOptions,
} from './durable-chat-client.ts';
export {
  DurableChatConnectionError,
  DurableChatProtocolError,
} from './durable-chat-connection-error.ts';
export type {
  OperationCompletedOutput,
  OperationInProgressOutput,
  OperationStartedOutput,
} from '../protocol/operation-outputs.ts';
export { type LegacyChunk, LegacyChunkConverter, toLegacyChunks } from './legacy-chunks.ts';
export {
  defaultIdleTimeoutMs,
  defaultReconnectPolicy,
  type ReconnectAttempt,
  type ReconnectPolicy,
  ResumableTurnStream,
  type TurnCursor,
  type TurnStreamEvent,
  type TurnStreamOptions,
} from './resumable-turn-stream.ts';
export { uploadedFileId } from './uploaded-file-id.ts';
