import { fireEvent, render, screen } from '@testing-library/react';
import type { ChatStatus } from 'ai';
import { useState } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { Composer } from './composer.tsx';

function Harness({
  running = false,
  status = 'ready',
  initial = '',
  onSend,
  onStop,
}: {
  running?: boolean;
  status?: ChatStatus;
  initial?: string;
  onSend: (text: string) => void;
  onStop: () => void;
}) {
  const [value, setValue] = useState(initial);
  return (
    <Composer
      value={value}
      onChange={setValue}
      onSend={onSend}
      onStop={onStop}
      status={status}
      running={running}
    />
  );
}

function setup(props: { running?: boolean; status?: ChatStatus; initial?: string } = {}) {
  const onSend = vi.fn();
  const onStop = vi.fn();
  render(<Harness {...props} onSend={onSend} onStop={onStop} />);
  return { onSend, onStop, input: screen.getByTestId('composer-input') };
}

describe('Composer', () => {
  it('sends the trimmed text on Enter', () => {
    const { onSend, input } = setup();
    fireEvent.change(input, { target: { value: '  Hello there  ' } });
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(onSend).toHaveBeenCalledExactlyOnceWith('Hello there');
  });

  it('does not send on Shift+Enter, which makes a new line', () => {
    const { onSend, input } = setup({ initial: 'line one' });
    const notPrevented = fireEvent.keyDown(input, { key: 'Enter', shiftKey: true });
    expect(onSend).not.toHaveBeenCalled();
    // The browser's default (inserting the newline) is left alone.
    expect(notPrevented).toBe(true);
  });

  it('does not send while an input method is composing', () => {
    const { onSend, input } = setup({ initial: 'にほん' });
    fireEvent.keyDown(input, { key: 'Enter', isComposing: true });
    expect(onSend).not.toHaveBeenCalled();
  });

  it('does not send empty or blank text', () => {
    const { onSend, input } = setup({ initial: '   ' });
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(onSend).not.toHaveBeenCalled();
    expect((screen.getByTestId('send') as HTMLButtonElement).disabled).toBe(true);
  });

  it('sends with the Send button', () => {
    const { onSend } = setup({ initial: 'Click me' });
    fireEvent.click(screen.getByTestId('send'));
    expect(onSend).toHaveBeenCalledExactlyOnceWith('Click me');
  });

  it('disables Send while a turn runs and neither Enter nor the button sends', () => {
    const { onSend, input } = setup({ running: true, status: 'streaming', initial: 'Next' });
    expect((screen.getByTestId('send') as HTMLButtonElement).disabled).toBe(true);
    fireEvent.keyDown(input, { key: 'Enter' });
    fireEvent.click(screen.getByTestId('send'));
    expect(onSend).not.toHaveBeenCalled();
  });

  it('stops the running turn on Escape and with the Stop button', () => {
    const { onStop, input } = setup({ running: true, status: 'streaming' });
    fireEvent.keyDown(input, { key: 'Escape' });
    fireEvent.click(screen.getByTestId('stop'));
    expect(onStop).toHaveBeenCalledTimes(2);
  });

  it('keeps focus in the text box after Stop is clicked, where the vanishing button held it', () => {
    const { onStop, input } = setup({ running: true, status: 'streaming' });
    const stop = screen.getByTestId('stop');
    stop.focus();
    fireEvent.click(stop);
    expect(onStop).toHaveBeenCalledOnce();
    expect(document.activeElement).toBe(input);
  });

  it('leaves focus alone after Stop is tapped, so no on-screen keyboard pops up', () => {
    const { onStop } = setup({ running: true, status: 'streaming' });
    const stop = screen.getByTestId('stop');
    stop.focus();
    const tap = new MouseEvent('click', { bubbles: true, cancelable: true });
    Object.defineProperty(tap, 'pointerType', { value: 'touch' });
    fireEvent(stop, tap);
    expect(onStop).toHaveBeenCalledOnce();
    expect(document.activeElement).toBe(stop);
  });

  it('shows Stop only while a turn runs, and Escape does nothing otherwise', () => {
    const { onStop, input } = setup();
    expect(screen.queryByTestId('stop')).toBeNull();
    fireEvent.keyDown(input, { key: 'Escape' });
    expect(onStop).not.toHaveBeenCalled();
  });

  it("exposes useChat's status as chat-status", () => {
    setup({ running: true, status: 'submitted' });
    expect(screen.getByTestId('chat-status').dataset.status).toBe('submitted');
  });
});
