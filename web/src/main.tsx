// First: zod must know before any schema is built that this page forbids eval.
import './zod-without-eval.ts';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
// First, so the stylesheets components import come after it and refine it.
import './styles.css';
import { acceptTokenHandOff } from './access-token.ts';
import { App } from './app.tsx';

// Before the first request, so a handed-over token is used (or out of the address bar) at once.
const offeredToken = acceptTokenHandOff();

const container = document.getElementById('root');
if (!container) throw new Error('index.html has no #root element');
createRoot(container).render(
  <StrictMode>
    <App offeredToken={offeredToken} />
  </StrictMode>,
);
