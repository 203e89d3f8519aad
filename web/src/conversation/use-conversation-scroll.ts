import { type RefObject, useCallback, useLayoutEffect, useRef, useState } from 'react';

/** Within this distance of the bottom, new text keeps the view scrolled to the end. */
const stickyDistancePx = 80;

/** A message on screen and how far below the scroller's top edge it sat. */
interface Anchor {
  element: Element;
  top: number;
}

export interface ConversationScroll {
  scrollerRef: RefObject<HTMLDivElement | null>;
  onScroll: () => void;
  /** The reader scrolled up away from the latest message. */
  awayFromBottom: boolean;
  /** Jumps to the latest message and follows a streaming answer again. */
  scrollToBottom: () => void;
}

/**
 * The conversation's scrolling: it opens at the end and follows a streaming answer while the
 * reader stays near the end. Once they scroll up, the message at the top of the view stays
 * where it is whatever changes around it — above all when older messages are put in front of
 * it (the browser's own scroll anchoring is off in the CSS, so only this adjusts). Within one
 * screen of the top, `onNearTop` asks for older messages, also when the loaded ones do not fill
 * the screen.
 */
export function useConversationScroll(onNearTop: (() => void) | undefined): ConversationScroll {
  const scrollerRef = useRef<HTMLDivElement>(null);
  const stickToBottom = useRef(true);
  const anchor = useRef<Anchor | null>(null);
  const seenScrollTop = useRef(0);
  const [awayFromBottom, setAwayFromBottom] = useState(false);

  const measure = useCallback((element: HTMLDivElement) => {
    seenScrollTop.current = element.scrollTop;
    const distance = element.scrollHeight - element.scrollTop - element.clientHeight;
    stickToBottom.current = distance < stickyDistancePx;
    anchor.current = stickToBottom.current ? null : topmostVisible(element);
    setAwayFromBottom(!stickToBottom.current);
  }, []);

  useLayoutEffect(() => {
    const element = scrollerRef.current;
    if (!element) return;
    // Scrolled since the last look, its scroll event not handled yet (events wait for the next
    // frame, a streaming answer renders sooner): honour the reader's move before pinning.
    if (element.scrollTop !== seenScrollTop.current) measure(element);
    if (stickToBottom.current) {
      element.scrollTop = element.scrollHeight;
    } else if (anchor.current?.element.isConnected) {
      element.scrollTop += offsetWithin(element, anchor.current.element) - anchor.current.top;
    }
    measure(element);
    if (element.scrollTop < element.clientHeight) onNearTop?.();
  });

  const onScroll = useCallback(() => {
    const element = scrollerRef.current;
    if (!element) return;
    measure(element);
    if (element.scrollTop < element.clientHeight) onNearTop?.();
  }, [measure, onNearTop]);

  const scrollToBottom = useCallback(() => {
    const element = scrollerRef.current;
    if (!element) return;
    element.scrollTop = element.scrollHeight;
    measure(element);
  }, [measure]);

  return { scrollerRef, onScroll, awayFromBottom, scrollToBottom };
}

function offsetWithin(scroller: Element, element: Element): number {
  return element.getBoundingClientRect().top - scroller.getBoundingClientRect().top;
}

/** The first message whose bottom is below the scroller's top edge (messages are in order). */
function topmostVisible(scroller: Element): Anchor | null {
  const messages = scroller.querySelectorAll('[data-message-id]');
  let low = 0;
  let high = messages.length - 1;
  let found: Element | null = null;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const candidate = messages[middle] as Element;
    const bottom = candidate.getBoundingClientRect().bottom - scroller.getBoundingClientRect().top;
    if (bottom > 0) {
      found = candidate;
      high = middle - 1;
    } else {
      low = middle + 1;
    }
  }
  return found === null ? null : { element: found, top: offsetWithin(scroller, found) };
}
