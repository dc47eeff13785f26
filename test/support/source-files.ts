import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');
const SOURCE_ROOTS = ['apps', 'libs', 'prisma-free', 'bin'];
const SKIPPED_DIRECTORIES = new Set(['node_modules', 'dist', '__snapshots__']);

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return SKIPPED_DIRECTORIES.has(entry.name) ? [] : sourceFiles(path);
    return /\.(ts|tsx|js|sql)$/.test(entry.name) && !/\.(spec|attack\.spec)\.ts$|\.d\.ts$/.test(entry.name) ? [path] : [];
  });
}

/** The sources that ship, as absolute paths (specs and declaration files excluded): TypeScript, JavaScript and the migrations' SQL. */
export function shippedSources(): string[] {
  return SOURCE_ROOTS.flatMap((root) => sourceFiles(join(ROOT, root)));
}
