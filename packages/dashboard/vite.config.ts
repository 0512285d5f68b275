import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `npm run dev` proxies the API to a running Sluice (SLUICE_URL, default the `npm start` one);
// the built files are what `sluice up` serves at `/`.
const target = process.env.SLUICE_URL ?? 'http://127.0.0.1:4200';

export default defineConfig({
  plugins: [react()],
  // workspace packages are read from their TypeScript sources, as the tests read them
  resolve: { conditions: ['sluice-source', 'browser', 'module', 'import', 'default'] },
  build: { outDir: 'dist', sourcemap: true, chunkSizeWarningLimit: 900 },
  server: {
    proxy: Object.fromEntries(
      ['/api', '/ofrep', '/healthz', '/readyz', '/metrics'].map((p) => [p, { target, changeOrigin: true }]),
    ),
  },
});
