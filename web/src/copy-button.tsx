import { useEffect, useRef, useState } from 'react';
import { copyText } from './clipboard.ts';
import { CheckIcon, CopyIcon } from './icons.tsx';

type CopyState = 'idle' | 'copied' | 'failed';

/** How long "Copied" (or the failure) shows before the button reads "Copy" again. */
const feedbackMs = 2000;

const labels: Record<CopyState, string> = {
  idle: 'Copy',
  copied: 'Copied',
  failed: 'Copy failed',
};

/**
 * A Copy button with feedback: its label turns to "Copied" for a moment, in a live region so
 * screen readers say it too (one region per button, present before it changes, so it is heard). `text` is read when clicked, so a long message is not turned into
 * a string on every render.
 */
export function CopyButton({
  text,
  accessibleName,
  testId,
}: {
  text: () => string;
  /** What is copied, for screen readers: "Copy message", "Copy code". */
  accessibleName: string;
  testId?: string;
}) {
  const [state, setState] = useState<CopyState>('idle');
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);

  const copy = async () => {
    const copied = await copyText(text());
    setState(copied ? 'copied' : 'failed');
    clearTimeout(timer.current);
    timer.current = setTimeout(() => setState('idle'), feedbackMs);
  };

  return (
    <button
      type="button"
      className="text-action"
      data-testid={testId}
      data-state={state}
      aria-label={state === 'idle' ? accessibleName : labels[state]}
      onClick={() => void copy()}
    >
      {state === 'copied' ? <CheckIcon /> : <CopyIcon />}
      <span aria-live="polite">{labels[state]}</span>
    </button>
  );
}
