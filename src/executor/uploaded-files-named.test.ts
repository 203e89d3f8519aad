import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { UIMessage } from 'ai';
import { withUploadedFilesNamed } from './uploaded-files-named.ts';

describe('withUploadedFilesNamed', () => {
  it('names uploaded files in place and leaves inline files and other messages as they are', () => {
    const inline = {
      type: 'file' as const,
      mediaType: 'image/png',
      url: 'data:image/png;base64,AA==',
    };
    const messages: UIMessage[] = [
      {
        id: 'with-upload',
        role: 'user',
        parts: [
          {
            type: 'file',
            mediaType: 'text/plain',
            filename: 'notes.txt',
            url: '/api/chat/files/a',
          },
          { type: 'file', mediaType: 'application/pdf', url: '/api/chat/files/b' },
          inline,
          { type: 'text', text: 'read them' },
        ],
      },
      { id: 'plain', role: 'user', parts: [{ type: 'text', text: 'hi' }] },
    ];
    const named = withUploadedFilesNamed(messages);
    assert.deepEqual(named[0]?.parts, [
      { type: 'text', text: '[Attached file: notes.txt (text/plain)]' },
      { type: 'text', text: '[Attached file: unnamed (application/pdf)]' },
      inline,
      { type: 'text', text: 'read them' },
    ]);
    assert.equal(named[1], messages[1]);
    assert.equal(messages[0]?.parts[0]?.type, 'file', 'the stored message is not changed');
  });
});
