import { join } from 'node:path';

/**
 * The console's built bundle: apps/console/dist beside the sources (tests), dist/apps/console/dist
 * in a build (`npm run build` copies it there), the same path from this file in both.
 */
export const CONSOLE_BUNDLE_DIR = join(__dirname, '..', '..', '..', 'console', 'dist');
