import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig } from 'vite';

// `npm run dev -w web` serves the app with hot reload on :5173 and forwards the API and the
// realtime socket (both under /v1) to a running golive (./golive start), so the page and the API
// share one origin exactly as in production.
const golive = process.env.GOLIVE_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  // @golive/sdk and @golive/react from their TypeScript sources (their package.json exports), so
  // the app needs no package build and hot-reloads SDK changes too.
  resolve: { conditions: ['@golive/source', ...defaultClientConditions] },
  server: {
    port: 5173,
    proxy: { '/v1': { target: golive, ws: true } },
  },
  build: { outDir: 'dist', chunkSizeWarningLimit: 2000 },
});
