/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { precompress } from './build/precompress.ts';

// Served by the Spin `dashboard` component under this path (spin.toml route and `files` mount).
export default defineConfig({
  base: '/dashboard/marketing/pixels/',
  plugins: [react(), precompress()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    // One chunk by design (React + the libraries the spec names, ~157 kB gzipped); it is cached forever by hash.
    chunkSizeWarningLimit: 600,
    rollupOptions: {
      output: {
        entryFileNames: 'assets/[name]-[hash].js',
        chunkFileNames: 'assets/[name]-[hash].js',
        assetFileNames: 'assets/[name]-[hash][extname]',
      },
    },
  },
  server: {
    // `npm run dev` next to `testhost up --listen 127.0.0.1:3000`.
    proxy: { '/api': 'http://127.0.0.1:3000' },
  },
  test: {
    environment: 'jsdom',
    globals: true,
    setupFiles: ['./src/test/setup.ts'],
    css: false,
    restoreMocks: true,
    // userEvent typing through jsdom is slow on a 2-core machine; these are not timing tests.
    testTimeout: 30_000,
  },
});
