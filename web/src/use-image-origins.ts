import { useEffect, useState } from 'react';
import type { DurableChatClient } from '../../src/client/index.ts';

const none: readonly string[] = [];

/**
 * The origins answer images may load from (`GET /api/chat/config/web`). None until the server
 * has said, and none when it cannot be asked (offline, or a server without the route): an image
 * then shows as a link, never as a request to a host nobody allowed.
 */
export function useImageOrigins(client: DurableChatClient): readonly string[] {
  const [origins, setOrigins] = useState(none);

  useEffect(() => {
    const controller = new AbortController();
    client.webConfig({ signal: controller.signal }).then(
      (config) => setOrigins(config.image_origins),
      () => {},
    );
    return () => controller.abort();
  }, [client]);

  return origins;
}
