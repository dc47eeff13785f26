// What test/lint/os-command-rules.spec.ts must find: a shell asked for, and exec imported.
import { exec, execFile } from 'node:child_process';

export function planted(text: string): void {
  exec(`echo ${text}`);
  execFile('echo', [text], { shell: true });
}
