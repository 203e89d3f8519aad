import { z } from 'zod';

// The AI SDK checks stream chunks with zod. Each object schema zod builds probes, once, whether
// `eval` works (to compile faster validators); the app's Content-Security-Policy forbids eval, so
// the probe would report a violation on every load. Imported first by main.tsx: the schemas are
// built when their modules load, and this must run before any of them.
z.config({ jitless: true });
