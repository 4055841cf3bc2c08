/** Entry: mounts the dashboard. Styles are bundled (the hub's CSP allows no inline script). */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
// Library styles first, so the theme's rules win on equal specificity.
import 'leaflet/dist/leaflet.css';
import 'uplot/dist/uPlot.min.css';
import './theme.css';
import { App } from './app.js';

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
