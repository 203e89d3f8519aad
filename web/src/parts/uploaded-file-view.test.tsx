import { render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { MessagePartView, type MessagePart } from './message-part-view.tsx';
import { type DownloadFile, DownloadFileContext } from './uploaded-file-view.tsx';

function renderFilePart(part: Record<string, string>, download: DownloadFile) {
  return render(
    <DownloadFileContext value={download}>
      <MessagePartView part={{ type: 'file', ...part } as MessagePart} afterContent />
    </DownloadFileContext>,
  );
}

describe('a file part of an uploaded file', () => {
  it('shows an image read with the app credentials, as a data: URL the page allows', async () => {
    const download = vi.fn<DownloadFile>(
      async () => new Blob([Uint8Array.from([1, 2, 3])], { type: 'image/png' }),
    );
    renderFilePart(
      { mediaType: 'image/png', filename: 'chart.png', url: '/api/chat/files/abc' },
      download,
    );
    const image = await screen.findByTestId('file-image');
    expect(image.getAttribute('src')).toBe('data:image/png;base64,AQID');
    expect(image.getAttribute('alt')).toBe('chart.png');
    expect(download).toHaveBeenCalledExactlyOnceWith('abc', expect.anything());
  });

  it('shows any other file as a chip with its name and type that downloads it', () => {
    const download = vi.fn<DownloadFile>();
    renderFilePart(
      { mediaType: 'text/csv', filename: 'table.csv', url: '/api/chat/files/def' },
      download,
    );
    const link = screen.getByRole('link');
    expect(link.textContent).toContain('table.csv');
    expect(link.textContent).toContain('text/csv');
    expect(link.getAttribute('href')).toBe('/api/chat/files/def');
    expect(link.getAttribute('download')).toBe('table.csv');
    expect(download).not.toHaveBeenCalled();
  });

  it('says so when the image cannot be read (deleted since, say)', async () => {
    renderFilePart(
      { mediaType: 'image/webp', filename: 'gone.webp', url: '/api/chat/files/gone' },
      async () => Promise.reject(new Error('404')),
    );
    expect((await screen.findByText(/could not be loaded/)).textContent).toContain('gone.webp');
  });
});
