import { fireEvent, render, screen } from '@testing-library/react';
import { useState } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { ConfirmDialog } from './confirm-dialog.tsx';

/** A page with a button that opens the dialog, and another control behind it. */
function Page({ onConfirm = () => {} }: { onConfirm?: () => void }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" onClick={() => setOpen(true)}>
        Delete chat
      </button>
      <input aria-label="Behind the dialog" />
      {open && (
        <ConfirmDialog
          title="Delete this chat?"
          confirmLabel="Delete"
          onConfirm={onConfirm}
          onCancel={() => setOpen(false)}
        >
          It will be gone.
        </ConfirmDialog>
      )}
    </>
  );
}

function openDialog() {
  const opener = screen.getByRole('button', { name: 'Delete chat' });
  opener.focus();
  fireEvent.click(opener);
  return opener;
}

describe('ConfirmDialog', () => {
  it('is a named modal dialog whose focus starts on Cancel', () => {
    render(<Page />);
    openDialog();
    const dialog = screen.getByRole('alertdialog', { name: 'Delete this chat?' });
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    expect(dialog.getAttribute('aria-describedby')).toBe('dialog-body');
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Cancel' }));
  });

  it('wraps Tab and Shift+Tab around its buttons', () => {
    render(<Page />);
    openDialog();
    const cancel = screen.getByRole('button', { name: 'Cancel' });
    const confirm = screen.getByRole('button', { name: 'Delete' });
    confirm.focus();
    fireEvent.keyDown(confirm, { key: 'Tab' });
    expect(document.activeElement).toBe(cancel);
    fireEvent.keyDown(cancel, { key: 'Tab', shiftKey: true });
    expect(document.activeElement).toBe(confirm);
  });

  it('brings focus back when it lands on the page behind', () => {
    render(<Page />);
    openDialog();
    screen.getByRole('textbox', { name: 'Behind the dialog' }).focus();
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Cancel' }));
  });

  it('closes on Escape and returns focus to the button that opened it', () => {
    render(<Page />);
    const opener = openDialog();
    fireEvent.keyDown(document.activeElement ?? document.body, { key: 'Escape' });
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(document.activeElement).toBe(opener);
  });

  it('cancels on a click outside, not on a click inside', () => {
    const onConfirm = vi.fn();
    render(<Page onConfirm={onConfirm} />);
    openDialog();
    fireEvent.mouseDown(screen.getByText('It will be gone.'));
    expect(screen.getByRole('alertdialog')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Delete' }));
    expect(onConfirm).toHaveBeenCalledTimes(1);
    fireEvent.mouseDown(screen.getByRole('alertdialog').parentElement as HTMLElement);
    expect(screen.queryByRole('alertdialog')).toBeNull();
  });
});
