import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { consumeTokenHandOff } from './access-token.ts';
import { App } from './app.tsx';
import './styles.css';

consumeTokenHandOff();

const container = document.getElementById('root');
if (!container) throw new Error('index.html has no #root element');
createRoot(container).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
