import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { MasterKeyRewrap, VersionCount } from '../master-key-rewrap/master-key-rewrap';
import { withCliContext } from './cli-context';
import { describeFailure } from './failure-message';

/**
 * `npm run keys:rewrap [-- --batch 500]`: moves every sealed column to the active master
 * key version, online and resumable (stop it at any point and run it again), with a
 * progress line on stderr; then prints the values per key version and which old versions
 * hold nothing any more and may be retired. Exit 0 when nothing is left on an old version.
 */
async function main(): Promise<number> {
  const { values } = parseArgs({ options: { batch: { type: 'string', default: '500' } } });
  const batch = Number(values.batch);
  if (!Number.isInteger(batch) || batch < 1 || batch > 2_000) {
    process.stderr.write('usage: npm run keys:rewrap [-- --batch <1..2000>]\n');
    return 64; // EX_USAGE
  }
  return withCliContext(async (app) => {
    const rewrap = app.get(MasterKeyRewrap);
    const active = rewrap.activeVersion;
    const before = await rewrap.counts();
    const total = before.filter((count) => count.version !== active).reduce((sum, count) => sum + count.count, 0);
    let done = 0;
    const unreadable = new Map<string, number>();
    await rewrap.rewrapAll(batch, (column, moved, failed) => {
      done += moved;
      if (failed > 0) unreadable.set(column, (unreadable.get(column) ?? 0) + failed);
      process.stderr.write(`\r${progressBar(done, total)} ${done}/${total} ${column}   `);
    });
    if (total > 0) process.stderr.write('\n');
    for (const [column, count] of unreadable) {
      process.stderr.write(
        `${column}: ${count} values did not decrypt (altered, moved, or under a key not loaded) and were left as they are\n`,
      );
    }
    const after = await rewrap.counts();
    process.stdout.write(report(after, active));
    return after.some((count) => count.version !== active) ? 1 : 0;
  });
}

function progressBar(done: number, total: number, width = 30): string {
  const filled = total === 0 ? width : Math.min(width, Math.round((done / total) * width));
  return `[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${total === 0 ? 100 : Math.floor((done / total) * 100)}%`;
}

function report(counts: VersionCount[], active: number): string {
  const lines = [`active master key version: ${active}`];
  for (const count of counts) lines.push(`  ${count.column}: ${count.count} under v${count.version}`);
  const old = new Set(counts.filter((count) => count.version !== active).map((count) => count.version));
  lines.push(
    old.size === 0
      ? 'no value under an older version: older versions can be retired'
      : `still under older versions: ${[...old].map((v) => `v${v}`).join(', ')}`,
  );
  return `${lines.join('\n')}\n`;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`keys:rewrap failed: ${describeFailure(error)}\n`);
    process.exit(1);
  },
);
