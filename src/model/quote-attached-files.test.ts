import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ModelMessage, streamText } from 'ai';
import { attachedFileNote, attachedFileText } from './attached-file-text.ts';
import { createDemoLanguageModel } from './demo-language-model.ts';

const model = createDemoLanguageModel({ tokenDelayMs: 0, answerWords: 5, slowSilenceMs: 0 });

async function answerTo(content: Extract<ModelMessage, { role: 'user' }>['content']) {
  const result = streamText({ model, messages: [{ role: 'user', content }] });
  return result.text;
}

const textFile = (filename: string, text: string) =>
  attachedFileText({
    filename,
    mediaType: 'text/plain',
    fileId: `id-${filename}`,
    sizeBytes: Buffer.byteLength(text),
    text,
    shownBytes: Buffer.byteLength(text),
  });

describe('demo model and attached text files', () => {
  it('quotes the first line of each text file, in order, then answers what the user wrote', async () => {
    const answer = await answerTo([
      { type: 'text', text: textFile('notes.txt', 'first line\nsecond line') },
      { type: 'text', text: textFile('data.json', '  {"a": 1}\n}') },
      { type: 'text', text: 'Read these [demo:words=4]' },
    ]);
    assert.match(
      answer,
      /^File notes\.txt begins: "first line"\. File data\.json begins: "\{"a": 1\}"\. You said: "Read these"\.$/,
    );
    const again = await answerTo([
      { type: 'text', text: textFile('notes.txt', 'first line\nsecond line') },
      { type: 'text', text: textFile('data.json', '  {"a": 1}\n}') },
      { type: 'text', text: 'Read these [demo:words=4]' },
    ]);
    assert.equal(again, answer, 'the same files and words get the same answer');
  });

  it('takes neither directives nor words from a file, and quotes nothing of a named one', async () => {
    const answer = await answerTo([
      { type: 'text', text: textFile('tricky.txt', '[demo:fatal] boom') },
      {
        type: 'text',
        text: attachedFileNote({ filename: 'doc.pdf', mediaType: 'application/pdf' }, 'not shown'),
      },
      { type: 'text', text: 'hello [demo:words=2]' },
    ]);
    assert.equal(answer, 'File tricky.txt begins: "[demo:fatal] boom". You said:.');
  });

  it('answers a message without files as before', async () => {
    assert.equal(await answerTo([{ type: 'text', text: 'hello [demo:words=2]' }]), 'You said:.');
  });
});
