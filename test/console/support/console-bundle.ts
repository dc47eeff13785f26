import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CONSOLE_BUNDLE_DIR } from '../../../apps/api/src/console-host/console-bundle-dir';

const ROOT = join(__dirname, '..', '..', '..');
const CONSOLE = join(ROOT, 'apps', 'console');
const INDEX = join(CONSOLE_BUNDLE_DIR, 'index.html');
const LOCK = join(CONSOLE, '.build-lock');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * The console's bundle as its sources are now: built (vite build, as `npm run build` does)
 * when absent or older than a source file. Run by the global setup, before any test app
 * starts (an app reads the bundle's file list and page once, when it starts).
 */
export async function ensureConsoleBundle(): Promise<void> {
  const fresh = (): boolean => existsSync(INDEX) && statSync(INDEX).mtimeMs >= newestSource(CONSOLE);
  if (fresh()) return;
  for (let tries = 0; ; tries += 1) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      if (tries > 600) throw new Error(`the console build lock ${LOCK} is held for over 2 minutes: remove it if no build runs`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    if (fresh()) return;
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', CONSOLE, '--logLevel', 'error'], {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: 'production' },
      stdio: 'pipe',
    });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`the console build failed:\n${stdout?.toString() ?? ''}${stderr?.toString() ?? ''}`);
  } finally {
    rmdirSync(LOCK);
  }
}
