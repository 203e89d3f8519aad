import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { FileUIPart } from 'ai';
import { useState } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { DurableChatApiError, type UploadedFile } from '../../../src/client/index.ts';
import type { UploadFile } from '../chat-services.ts';
import { Composer } from './composer.tsx';
import { useAttachments } from './use-attachments.ts';
import { useFileDrop } from './use-file-drop.ts';

/** The composer as the chat uses it: attachments beside it, and the conversation a drop target. */
function Harness({
  upload,
  onSend,
}: {
  upload: UploadFile;
  onSend: (text: string, files: FileUIPart[]) => void;
}) {
  const [value, setValue] = useState('');
  const attachments = useAttachments(upload);
  const fileDrop = useFileDrop(attachments.add);
  return (
    <div data-testid="conversation" {...fileDrop.handlers}>
      <Composer
        value={value}
        onChange={setValue}
        onSend={(text) => {
          onSend(text, attachments.parts);
          attachments.clear();
        }}
        onStop={() => {}}
        status="ready"
        running={false}
        attachments={attachments}
      />
    </div>
  );
}

const uploadedAs = (file: File, id: string): UploadedFile => ({
  id,
  filename: file.name,
  media_type: file.type,
  size_bytes: file.size,
  created_at: '2026-12-07T12:00:00.000Z',
  url: `/api/chat/files/${id}`,
});

/** Answers each upload when the test says, so the pending state can be seen. */
function controlledUploads() {
  const pending: { file: File; signal: AbortSignal; resolve: (file: UploadedFile) => void }[] = [];
  const rejections: ((error: unknown) => void)[] = [];
  const upload = vi.fn<UploadFile>(
    (file, signal) =>
      new Promise((resolve, reject) => {
        pending.push({ file, signal, resolve });
        rejections.push(reject);
      }),
  );
  return { upload, pending, rejections };
}

function setup(upload: UploadFile) {
  const onSend = vi.fn<(text: string, files: FileUIPart[]) => void>();
  render(<Harness upload={upload} onSend={onSend} />);
  return {
    onSend,
    input: screen.getByTestId('composer-input'),
    send: screen.getByTestId('send'),
    picker: screen.getByTestId<HTMLInputElement>('file-picker'),
  };
}

const notes = () => new File(['first line\nsecond line\n'], 'notes.txt', { type: 'text/plain' });
const pixel = () =>
  new File([Uint8Array.from([0x89, 0x50, 0x4e, 0x47])], 'pixel.png', { type: 'image/png' });

describe('Composer attachments', () => {
  it('uploads a picked file at once, shows it as pending, then sends it as a file part', async () => {
    const { upload, pending } = controlledUploads();
    const { onSend, input, send, picker } = setup(upload);
    const file = notes();
    fireEvent.change(picker, { target: { files: [file] } });
    const chip = screen.getByTestId('attachment');
    expect(chip.dataset.status).toBe('uploading');
    expect(chip.textContent).toContain('notes.txt');
    expect(chip.textContent).toContain('Uploading…');
    expect(upload).toHaveBeenCalledOnce();
    fireEvent.change(input, { target: { value: 'Read this' } });
    expect((send as HTMLButtonElement).disabled).toBe(true);

    await act(async () => pending[0]!.resolve(uploadedAs(file, 'f1')));
    expect(chip.dataset.status).toBe('uploaded');
    expect(chip.textContent).toContain('text/plain · 23 B');
    fireEvent.click(send);
    expect(onSend).toHaveBeenCalledExactlyOnceWith('Read this', [
      { type: 'file', mediaType: 'text/plain', filename: 'notes.txt', url: '/api/chat/files/f1' },
    ]);
    expect(screen.queryByTestId('attachment')).toBeNull();
  });

  it('sends files without text', async () => {
    const upload = vi.fn<UploadFile>(async (file) => uploadedAs(file, 'f2'));
    const { onSend, send, picker } = setup(upload);
    expect((send as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(picker, { target: { files: [notes()] } });
    await waitFor(() => expect((send as HTMLButtonElement).disabled).toBe(false));
    fireEvent.click(send);
    expect(onSend).toHaveBeenCalledExactlyOnceWith('', [
      expect.objectContaining({ url: '/api/chat/files/f2' }),
    ]);
  });

  it('shows an image as a thumbnail before it is sent', async () => {
    const upload = vi.fn<UploadFile>(async (file) => uploadedAs(file, 'f3'));
    const { picker } = setup(upload);
    fireEvent.change(picker, { target: { files: [pixel()] } });
    const thumbnail = await screen.findByAltText('pixel.png');
    expect(thumbnail.getAttribute('src')).toMatch(/^data:image\/png;base64,/);
  });

  it("shows the server's reason for a refused file and holds Send until it is removed", async () => {
    const { upload, rejections } = controlledUploads();
    const { onSend, input, send, picker } = setup(upload);
    fireEvent.change(picker, { target: { files: [notes()] } });
    fireEvent.change(input, { target: { value: 'Read this' } });
    const refusal = 'The file is larger than 1000 bytes, the largest accepted upload.';
    await act(async () => rejections[0]!(new DurableChatApiError(413, 'FILE_TOO_LARGE', refusal)));
    expect(screen.getByTestId('attachment').dataset.status).toBe('failed');
    expect(screen.getByTestId('attachment-error').textContent).toContain(refusal);
    expect((send as HTMLButtonElement).disabled).toBe(true);

    fireEvent.click(screen.getByRole('button', { name: 'Remove notes.txt' }));
    expect(screen.queryByTestId('attachment')).toBeNull();
    fireEvent.click(send);
    expect(onSend).toHaveBeenCalledExactlyOnceWith('Read this', []);
  });

  it('abandons the upload of a file removed before it finished', () => {
    const { upload, pending } = controlledUploads();
    const { picker } = setup(upload);
    fireEvent.change(picker, { target: { files: [notes(), pixel()] } });
    expect(screen.getAllByTestId('attachment')).toHaveLength(2);
    fireEvent.click(screen.getByRole('button', { name: 'Remove notes.txt' }));
    expect(pending[0]!.signal.aborted).toBe(true);
    expect(pending[1]!.signal.aborted).toBe(false);
    expect(screen.getAllByTestId('attachment')).toHaveLength(1);
  });

  it('attaches files pasted into the text box, and leaves pasted text alone', async () => {
    const upload = vi.fn<UploadFile>(async (file) => uploadedAs(file, 'f4'));
    const { input } = setup(upload);
    const pastedText = fireEvent.paste(input, { clipboardData: { files: [], getData: () => 'x' } });
    expect(pastedText).toBe(true);
    const pastedFile = fireEvent.paste(input, { clipboardData: { files: [pixel()] } });
    expect(pastedFile).toBe(false);
    expect(screen.getByTestId('attachment').dataset.filename).toBe('pixel.png');
    await waitFor(() => expect(screen.getByTestId('attachment').dataset.status).toBe('uploaded'));
  });

  it('attaches files dropped on the conversation, and leaves dragged text to the text box', () => {
    const upload = vi.fn<UploadFile>(async (file) => uploadedAs(file, 'f5'));
    setup(upload);
    const conversation = screen.getByTestId('conversation');
    const draggedText = { types: ['text/plain'], files: [] };
    expect(fireEvent.dragOver(conversation, { dataTransfer: draggedText })).toBe(true);
    const dropped = { types: ['Files'], files: [notes(), pixel()], dropEffect: 'none' };
    fireEvent.dragEnter(conversation, { dataTransfer: dropped });
    expect(fireEvent.dragOver(conversation, { dataTransfer: dropped })).toBe(false);
    expect(fireEvent.drop(conversation, { dataTransfer: dropped })).toBe(false);
    const names = within(conversation)
      .getAllByTestId('attachment')
      .map((chip) => chip.dataset.filename);
    expect(names).toEqual(['notes.txt', 'pixel.png']);
    expect(upload).toHaveBeenCalledTimes(2);
  });
});
