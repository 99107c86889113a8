import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

// The studio renderer: built to dist/renderer with relative URLs, so the same files load from
// app://studio (Electron) and from the browser-mode server. Monaco and its worker come from the
// local monaco-editor package; nothing is fetched from a CDN.
export default defineConfig({
  root: fileURLToPath(new URL('./renderer', import.meta.url)),
  base: './',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./dist/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 4096,
    reportCompressedSize: false,
  },
  worker: { format: 'es' },
});
