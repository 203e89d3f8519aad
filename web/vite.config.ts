import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const webDirectory = fileURLToPath(new URL('.', import.meta.url));
const repositoryRoot = fileURLToPath(new URL('..', import.meta.url));
const apiUrl = process.env.DURABLE_CHAT_URL ?? 'http://localhost:3000';

/**
 * The web app's build. `npm run build:web` (scripts/build-web.ts) uses it; for hot reload while
 * working on the UI, run `npx vite web` next to `npm start`: the dev server forwards the API.
 */
export default defineConfig({
  root: webDirectory,
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // No source maps in the build: the server would publish the app's sources with them (and it
    // refuses to serve `.map` files anyway). `npx vite web` still maps while developing.
    sourcemap: false,
    // One app bundle of React, the AI SDK and markdown; splitting it buys nothing here. Only the
    // syntax highlighter (web/src/parts/highlight-code.ts) loads apart, once code is shown.
    chunkSizeWarningLimit: 1500,
  },
  server: {
    // The app imports the client SDK from src/client, outside this folder.
    fs: { allow: [repositoryRoot] },
    proxy: {
      '/api': apiUrl,
      '/openapi.json': apiUrl,
    },
  },
});
