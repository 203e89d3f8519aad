import type { FileUIPart, TextUIPart, UIMessage } from 'ai';
import { use } from 'react';
import { uploadedFileId } from '../../../src/client/index.ts';
import { isRecord } from '../conversation/message-outcome.ts';
import { AnswerImage, ImageOriginsContext, judgeImage } from './answer-image.tsx';
import { JsonView } from './json-view.tsx';
import { MarkdownText } from './markdown-text.tsx';
import { SteeringMessageView } from './steering-message-view.tsx';
import type { ToolCallPart } from './tool-call-view.tsx';
import { ToolPartView } from './tool-part-view.tsx';
import { UploadedFileView } from './uploaded-file-view.tsx';

export type MessagePart = UIMessage['parts'][number];

/**
 * One part of an assistant message. Every type the AI SDK defines has a view; any other type
 * (a `data-*` part a later server version adds, or a future part kind) is shown generically
 * with its type and JSON, so nothing the server sends silently disappears.
 */
export function MessagePartView({
  part,
  afterContent,
  answerEnded = false,
}: {
  part: MessagePart;
  /** Whether anything visible precedes this part: a step divider at the very top is noise. */
  afterContent: boolean;
  /** The message is no longer streaming: unfinished tool calls will stay unfinished. */
  answerEnded?: boolean;
}) {
  const { type } = part;
  if (type === 'text') return <MarkdownText text={part.text} />;
  if (type === 'reasoning')
    return <ReasoningView text={part.text} streaming={part.state === 'streaming'} />;
  if (type === 'dynamic-tool' || type.startsWith('tool-')) {
    return <ToolPartView part={part as ToolCallPart} answerEnded={answerEnded} />;
  }
  if (type === 'source-url') {
    return <SourceView kind="url" title={part.title ?? part.url} href={part.url} />;
  }
  if (type === 'source-document') {
    return (
      <SourceView
        kind="document"
        title={part.title || part.filename || 'Document'}
        detail={part.mediaType}
      />
    );
  }
  if (type === 'file') {
    return <FileView url={part.url} mediaType={part.mediaType} filename={part.filename} />;
  }
  if (type === 'steering-message') {
    return (
      <SteeringMessageView id={part.id}>
        <UserWordsView parts={part.parts} textTestId="steering-text" />
      </SteeringMessageView>
    );
  }
  if (type === 'step-start') {
    return afterContent ? <hr className="step-divider" data-testid="step-start" /> : null;
  }
  return <GenericPartView part={part} />;
}

function ReasoningView({ text, streaming }: { text: string; streaming: boolean }) {
  return (
    <details className="reasoning" data-testid="reasoning" open={streaming || undefined}>
      <summary>{streaming ? 'Thinking…' : 'Reasoning'}</summary>
      <div className="reasoning-text">{text}</div>
    </details>
  );
}

function SourceView({
  kind,
  title,
  href,
  detail,
}: {
  kind: 'url' | 'document';
  title: string;
  href?: string;
  detail?: string;
}) {
  const safe = href !== undefined ? safeUrl(href) : null;
  return (
    <div className="source" data-testid="source" data-source-type={kind}>
      <span className="source-label">{kind === 'url' ? 'Source' : 'Document'}</span>
      {safe ? (
        <a href={safe} target="_blank" rel="noreferrer noopener">
          {title}
        </a>
      ) : (
        <span>{title}</span>
      )}
      {detail && <span className="muted"> · {detail}</span>}
    </div>
  );
}

/**
 * What a user wrote outside a message of its own (a follow-up waiting, or steered into an
 * answer): the text as typed, never as markdown, and the files attached.
 */
export function UserWordsView({
  parts,
  textTestId,
}: {
  parts: readonly (TextUIPart | FileUIPart)[];
  textTestId: string;
}) {
  return parts.map((content, index) =>
    content.type === 'text' ? (
      <div key={index} className="user-text" data-testid={textTestId}>
        {content.text}
      </div>
    ) : (
      <FileView
        key={index}
        url={content.url}
        mediaType={content.mediaType}
        filename={content.filename}
      />
    ),
  );
}

function FileView({
  url,
  mediaType,
  filename,
}: {
  url: string;
  mediaType: string;
  filename: string | undefined;
}) {
  // The user's own upload, on this app's origin: loaded with the app's credentials, never a
  // request to a host the model chose.
  const fileId = uploadedFileId(url);
  if (fileId !== null) {
    return <UploadedFileView fileId={fileId} url={url} mediaType={mediaType} filename={filename} />;
  }
  const safe = safeUrl(url);
  const name = filename ?? mediaType;
  const isImage = mediaType.startsWith('image/');
  const image = judgeImage(url, use(ImageOriginsContext));
  return (
    <div className="file-part" data-testid="file-part" data-media-type={mediaType}>
      {isImage && image.load ? (
        <a href={image.url} target="_blank" rel="noreferrer noopener">
          <img src={image.url} alt={name} referrerPolicy="no-referrer" />
        </a>
      ) : isImage ? (
        <AnswerImage src={url} alt={name} />
      ) : safe ? (
        <a href={safe} download={filename} target="_blank" rel="noreferrer noopener">
          📎 {name}
        </a>
      ) : (
        <span>📎 {name}</span>
      )}
    </div>
  );
}

function GenericPartView({ part }: { part: { type: string } }) {
  const isData = part.type.startsWith('data-');
  const value = isData && isRecord(part) && 'data' in part ? part.data : withoutType(part);
  return (
    <div
      className="generic-part"
      data-testid={isData ? 'data-part' : 'unknown-part'}
      data-part-type={part.type}
    >
      <div className="generic-part-type">{part.type}</div>
      <JsonView value={value} />
    </div>
  );
}

function withoutType(part: { type: string }): unknown {
  const { type: _type, ...rest } = part as Record<string, unknown>;
  return rest;
}

/** Links from model output open only http(s), data and blob URLs; anything else is not a link. */
export function safeUrl(url: string): string | null {
  try {
    const parsed = new URL(url, window.location.href);
    return ['http:', 'https:', 'data:', 'blob:'].includes(parsed.protocol) ? url : null;
  } catch {
    return null;
  }
}
