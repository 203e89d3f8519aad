import { useCallback, useEffect, useState } from 'react';
import { takeTokenHandOff } from './access-token.ts';

export interface TokenHandOff {
  /** A handed-over token that differs from the one in use: the user decides. */
  offered: string | null;
  accept(): void;
  decline(): void;
}

/**
 * The `#token=` hand-off while the app runs: `initial` is what `acceptTokenHandOff` left to ask
 * about at start, and a link opened in this tab later (only the fragment changes, so the page
 * does not reload) is taken the same way. A token is used at once only when none is in use.
 */
export function useTokenHandOff(
  initial: string | null,
  currentToken: () => string | null,
  saveToken: (token: string) => void,
): TokenHandOff {
  const [offered, setOffered] = useState(initial);

  useEffect(() => {
    const onHashChange = () => {
      const handedOver = takeTokenHandOff();
      if (handedOver === null) return;
      const current = currentToken();
      if (current === null) saveToken(handedOver);
      else if (current !== handedOver) setOffered(handedOver);
    };
    window.addEventListener('hashchange', onHashChange);
    return () => window.removeEventListener('hashchange', onHashChange);
  }, [currentToken, saveToken]);

  const accept = useCallback(() => {
    if (offered !== null) saveToken(offered);
    setOffered(null);
  }, [offered, saveToken]);
  const decline = useCallback(() => setOffered(null), []);

  return { offered, accept, decline };
}
