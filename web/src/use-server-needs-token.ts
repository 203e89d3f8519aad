import { useEffect, useState } from 'react';
import type { DurableChatClient } from '../../src/client/index.ts';

/**
 * Whether the server wants a bearer token (`GET /api/chat/config/auth`): null until it says,
 * and when it cannot be asked (offline, or a server without the route). Then only a refusal
 * (401) tells the app to ask for a token.
 */
export function useServerNeedsToken(client: DurableChatClient): boolean | null {
  const [needsToken, setNeedsToken] = useState<boolean | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    client.authConfig({ signal: controller.signal }).then(
      (config) => setNeedsToken(config.auth_required),
      () => {},
    );
    return () => controller.abort();
  }, [client]);

  return needsToken;
}
