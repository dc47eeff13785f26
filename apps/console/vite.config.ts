import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The console's build: a static bundle served by the API at /console (apps/api/src/console-host),
 * same origin, under the strict CSP (no inline script or style: Vite emits files only, and
 * the module-preload polyfill is off because modern Chromium, Firefox and Safari have it).
 * JSX is compiled by Vite's own transformer (automatic runtime): no React plugin, whose Babel
 * peer conflicts with Jest's (docs/adr/0025-admin-console.md).
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    reportCompressedSize: false,
    // The password strength meter's dictionaries (zxcvbn-ts) are one lazy chunk of ~1.2 MB, loaded by the password forms only.
    chunkSizeWarningLimit: 1300,
    rolldownOptions: {
      // React Query's "use client" directives mean nothing outside React Server Components.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  server: {
    // `npm run console:dev`: the API on :3000 behind Vite's dev server, same origin for the cookie.
    proxy: { '/v1': 'http://127.0.0.1:3000' },
  },
});
