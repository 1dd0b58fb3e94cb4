import path from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The console is served by the hub at /console (built into dist/console by `npm run build`).
export default defineConfig({
  root: __dirname,
  base: '/console/',
  plugins: [react()],
  logLevel: 'warn',
  build: {
    outDir: path.resolve(__dirname, '../dist/console'),
    emptyOutDir: true,
    sourcemap: true,
  },
});
