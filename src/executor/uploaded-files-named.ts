import type { UIMessage } from 'ai';

/**
 * The messages with every file part that points at an uploaded file (`/api/chat/files/<id>`)
 * replaced by a line naming it. Such a url is a path of our API, which neither the AI SDK nor a
 * provider can fetch: handed over as is, it fails the whole turn on an invalid URL. Until the
 * model reads uploads, it learns which files the user attached, and the stored message keeps
 * its file parts unchanged.
 */
export function withUploadedFilesNamed(messages: UIMessage[]): UIMessage[] {
  return messages.map((message) =>
    message.parts.some((part) => part.type === 'file' && part.url.startsWith('/'))
      ? {
          ...message,
          parts: message.parts.map((part) =>
            part.type === 'file' && part.url.startsWith('/')
              ? {
                  type: 'text' as const,
                  text: `[Attached file: ${part.filename ?? 'unnamed'} (${part.mediaType})]`,
                }
              : part,
          ),
        }
      : message,
  );
}
