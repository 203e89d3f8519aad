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
  onInterrupt,
  onStop,
}: {
  running?: boolean;
  status?: ChatStatus;
  initial?: string;
  onSend: (text: string) => void;
  onInterrupt?: (text: string) => void;
  onStop: () => void;
}) {
  const [value, setValue] = useState(initial);
  return (
    <Composer
      value={value}
      onChange={setValue}
      onSend={onSend}
      {...(onInterrupt ? { onInterrupt } : {})}
      onStop={onStop}
      status={status}
      running={running}
    />
  );
}

function setup(
  props: { running?: boolean; status?: ChatStatus; initial?: string; followUps?: boolean } = {},
) {
  const { followUps = false, ...rest } = props;
  const onSend = vi.fn();
  const onInterrupt = vi.fn();
  const onStop = vi.fn();
  render(
    <Harness {...rest} onSend={onSend} {...(followUps ? { onInterrupt } : {})} onStop={onStop} />,
  );
  return { onSend, onInterrupt, onStop, input: screen.getByTestId('composer-input') };
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

  it('sends on Enter and with Send while a turn runs, when the chat takes follow-ups', () => {
    const { onSend, onInterrupt, input } = setup({
      running: true,
      status: 'streaming',
      initial: 'Paris, Texas',
      followUps: true,
    });
    expect((input as HTMLTextAreaElement).disabled).toBe(false);
    fireEvent.keyDown(input, { key: 'Enter' });
    fireEvent.click(screen.getByTestId('send'));
    expect(onSend.mock.calls).toEqual([['Paris, Texas'], ['Paris, Texas']]);
    expect(onInterrupt).not.toHaveBeenCalled();
    expect(screen.getByTestId('stop')).toBeTruthy();
  });

  it('interrupts with Ctrl+Enter, ⌘+Enter and the Interrupt & send button while a turn runs', () => {
    const { onSend, onInterrupt, input } = setup({
      running: true,
      status: 'streaming',
      initial: ' Forget Paris ',
      followUps: true,
    });
    fireEvent.keyDown(input, { key: 'Enter', ctrlKey: true });
    fireEvent.keyDown(input, { key: 'Enter', metaKey: true });
    fireEvent.click(screen.getByRole('button', { name: 'Interrupt & send' }));
    expect(onInterrupt.mock.calls).toEqual([['Forget Paris'], ['Forget Paris'], ['Forget Paris']]);
    expect(onSend).not.toHaveBeenCalled();
  });

  it('offers no interrupt while idle, where Ctrl+Enter simply sends', () => {
    const { onSend, onInterrupt, input } = setup({ initial: 'Hello', followUps: true });
    expect(screen.queryByRole('button', { name: 'Interrupt & send' })).toBeNull();
    fireEvent.keyDown(input, { key: 'Enter', ctrlKey: true });
    expect(onSend).toHaveBeenCalledExactlyOnceWith('Hello');
    expect(onInterrupt).not.toHaveBeenCalled();
  });

  it('sends no blank follow-up: both actions wait for text', () => {
    const { onSend, onInterrupt, input } = setup({
      running: true,
      status: 'streaming',
      initial: '  ',
      followUps: true,
    });
    fireEvent.keyDown(input, { key: 'Enter' });
    fireEvent.keyDown(input, { key: 'Enter', ctrlKey: true });
    expect((screen.getByTestId('send') as HTMLButtonElement).disabled).toBe(true);
    expect(
      (screen.getByRole('button', { name: 'Interrupt & send' }) as HTMLButtonElement).disabled,
    ).toBe(true);
    expect(onSend).not.toHaveBeenCalled();
    expect(onInterrupt).not.toHaveBeenCalled();
  });

  it('disables Send while a turn runs in a chat without follow-ups; neither Enter nor the button sends', () => {
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
