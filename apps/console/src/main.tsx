import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app';
import { session } from './session/session';
import './styles.css';

void session.start();
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
