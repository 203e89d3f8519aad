import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

/**
 * Component tests of the web app (jsdom). The server's tests run on `node --test`
 * (`npm run test:node`); this config only ever picks up files under web/.
 */
export default defineConfig({
  plugins: [react()],
  test: {
    environment: 'jsdom',
    include: ['web/src/**/*.test.{ts,tsx}'],
    setupFiles: ['web/src/test-setup.ts'],
  },
});
