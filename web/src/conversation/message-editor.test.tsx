import { fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { MessageEditor } from './message-editor.tsx';

function renderEditor(initialText = 'What is the capital of France?') {
  const onSave = vi.fn();
  const onCancel = vi.fn();
  render(<MessageEditor initialText={initialText} onSave={onSave} onCancel={onCancel} />);
  const input = screen.getByTestId<HTMLTextAreaElement>('message-editor-input');
  const save = screen.getByTestId<HTMLButtonElement>('message-editor-save');
  return { onSave, onCancel, input, save };
}

describe('MessageEditor', () => {
  it('opens with the message text, focused, the caret at its end', () => {
    const { input } = renderEditor();
    expect(input.value).toBe('What is the capital of France?');
    expect(document.activeElement).toBe(input);
    expect(input.selectionStart).toBe(input.value.length);
  });

  it('Save & send sends the changed text, trimmed', () => {
    const { input, save, onSave } = renderEditor();
    fireEvent.change(input, { target: { value: '  And of Spain?  ' } });
    fireEvent.click(save);
    expect(onSave).toHaveBeenCalledWith('And of Spain?');
  });

  it('cannot send unchanged or blank text', () => {
    const { input, save, onSave } = renderEditor();
    expect(save.disabled).toBe(true);
    fireEvent.change(input, { target: { value: 'What is the capital of France?  ' } });
    expect(save.disabled).toBe(true);
    fireEvent.change(input, { target: { value: '   ' } });
    expect(save.disabled).toBe(true);
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(onSave).not.toHaveBeenCalled();
  });

  it('Enter sends, Shift+Enter does not, and neither does Enter while composing', () => {
    const { input, onSave } = renderEditor();
    fireEvent.change(input, { target: { value: 'Edited' } });
    expect(fireEvent.keyDown(input, { key: 'Enter', shiftKey: true })).toBe(true);
    fireEvent.keyDown(input, { key: 'Enter', isComposing: true });
    expect(onSave).not.toHaveBeenCalled();
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(onSave).toHaveBeenCalledWith('Edited');
  });

  it('Escape and Cancel cancel, and Escape goes no further (it is not a Stop)', () => {
    const { input, onCancel } = renderEditor();
    expect(fireEvent.keyDown(input, { key: 'Escape' })).toBe(false);
    fireEvent.click(screen.getByTestId('message-editor-cancel'));
    expect(onCancel).toHaveBeenCalledTimes(2);
  });
});
