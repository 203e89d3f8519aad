import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  attachedFileNote,
  attachedFileText,
  isAttachedFileText,
  readAttachedFileText,
} from './attached-file-text.ts';

describe('attached file text', () => {
  it('reads back the name and text it wrote, whatever the name holds', () => {
    const filename = 'a "quoted"\nname].txt';
    const text = attachedFileText({
      filename,
      mediaType: 'text/plain',
      fileId: 'f1',
      sizeBytes: 11,
      text: 'first\nlast',
      shownBytes: 11,
    });
    assert.equal(
      text,
      '[Attached file "a \\"quoted\\"\\nname].txt" (text/plain, 11 bytes, file_id f1)]\nfirst\nlast\n' +
        '[End of file "a \\"quoted\\"\\nname].txt"]',
    );
    assert.deepEqual(readAttachedFileText(text), { filename, text: 'first\nlast' });
    assert.ok(isAttachedFileText(text));
  });

  it('marks a cut text with where the tool reads on, and reads back the shown part only', () => {
    const text = attachedFileText({
      filename: 'big.log',
      mediaType: 'text/plain',
      fileId: 'f2',
      sizeBytes: 100,
      text: 'head',
      shownBytes: 4,
    });
    assert.match(
      text,
      /\n\[Truncated: the first 4 of 100 bytes are shown; read_workspace_file with file_id "f2" and offset 4 reads on\]\n/,
    );
    assert.deepEqual(readAttachedFileText(text), { filename: 'big.log', text: 'head' });
    const nothingShown = attachedFileText({
      filename: 'big.log',
      mediaType: 'text/plain',
      sizeBytes: 100,
      text: '',
      shownBytes: 0,
    });
    assert.match(nothingShown, /the first 0 of 100 bytes are shown; the rest was not kept/);
    assert.deepEqual(readAttachedFileText(nothingShown), { filename: 'big.log', text: '' });
  });

  it('names a file it does not show, and reads no file text from a note or plain text', () => {
    const note = attachedFileNote(
      { filename: 'doc.pdf', mediaType: 'application/pdf', sizeBytes: 5, fileId: 'f3' },
      'not shown',
    );
    assert.equal(
      note,
      '[Attached file "doc.pdf" (application/pdf, 5 bytes, file_id f3): not shown]',
    );
    assert.ok(isAttachedFileText(note));
    assert.equal(readAttachedFileText(note), undefined);
    assert.equal(readAttachedFileText('[Attached file "x" (text/plain)]\nno end'), undefined);
    assert.equal(isAttachedFileText('hello'), false);
  });
});
