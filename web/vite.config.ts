/**
 * The dashboard build (issue 6): `npm run build:web` → web/dist, served by the hub at `/`
 * (src/transport/http/static.ts). The hub's CSP allows only same-origin scripts, so everything —
 * Leaflet's and uPlot's CSS included — is bundled; nothing is inlined into index.html.
 */
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Keep module-preload polyfill off: it is an inline script the CSP (script-src 'self') refuses.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
    chunkSizeWarningLimit: 800,
  },
  server: {
    // `npx vite --config web/vite.config.ts` during development: the API is the hub's.
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
});
