import { ArrowDownIcon } from '../icons.tsx';

/**
 * Floats over the end of the conversation while the reader is scrolled up away from it. Placed
 * last inside the scroller: its dock is sticky at the bottom and takes no space, so it neither
 * moves the messages nor needs a wrapper around the scroller.
 */
export function ScrollToBottomButton({ onClick }: { onClick: () => void }) {
  return (
    <div className="scroll-to-bottom-dock">
      <button
        type="button"
        className="scroll-to-bottom"
        data-testid="scroll-to-bottom"
        aria-label="Scroll to the latest message"
        title="Scroll to the latest message"
        onClick={onClick}
      >
        <ArrowDownIcon />
      </button>
    </div>
  );
}
