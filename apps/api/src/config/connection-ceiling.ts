import { readFileSync } from 'node:fs';

/** 80 % of the process's soft limit on open files (Linux), else 4096; never below 64. */
export function defaultConnectionCeiling(limitsFile = '/proc/self/limits'): number {
  try {
    const soft = /^Max open files\s+(\d+)/m.exec(readFileSync(limitsFile, 'utf8'))?.[1];
    if (soft) return Math.max(64, Math.floor(Number(soft) * 0.8));
  } catch {
    // not Linux, or not readable: the fixed default
  }
  return 4096;
}
