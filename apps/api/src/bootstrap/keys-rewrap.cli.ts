import 'reflect-metadata';
import type { VersionCount } from '../master-key-rewrap/master-key-rewrap';
import { CliSpec, EXIT, integerOption, runCli } from './cli-command';

const KEYS_REWRAP: CliSpec = {
  name: 'keys:rewrap',
  summary: 'move every sealed value (TOTP secrets, queued mail, vault versions, webhook secrets) to the active master key version',
  usage: '[--batch <1..2000>]',
  options: {
    batch: { type: 'string', value: '<n>', default: '500', description: 'values per transaction, 1 to 2000' },
  },
  notes: [
    'Online and resumable: the server keeps serving, and an interrupted run is finished by the next one.',
    'Progress goes to stderr; the values per key version, and whether older versions can be retired, to stdout.',
    'Each run is audited (master_key.rewrap, as system:keys-rewrap) with what it moved and what is left.',
    'Run it with the same secrets directory and MASTER_KEY_ACTIVE_VERSION as the server.',
    'Database: DATABASE_URL when set; else the embedded PostgreSQL of RINGFENCE_DATA_DIR (./.data), the running',
    "server's when `npm start` runs (its port read from postmaster.pid), or one started for the command.",
  ],
  examples: ['npm run keys:rewrap', 'MASTER_KEY_ACTIVE_VERSION=2 npm run keys:rewrap -- --batch 200', 'node bin/ringfence.js keys:rewrap'],
  exitCodes: [
    [EXIT.OK, 'every value is under the active version: older versions can be retired'],
    [EXIT.FAILED, 'values are left under an older version (some did not decrypt: named on stderr), or the run failed'],
  ],
};

/** `npm run keys:rewrap [-- --batch 500]` (see KEYS_REWRAP). */
runCli(KEYS_REWRAP, async ({ values }) => {
  const batch = integerOption('batch', values.batch, 1, 2_000);
  // The application is loaded only now: `--help` and a usage error answer at once.
  const { auditAsSystem, MasterKeyRewrap, withCliContext } = await import('./cli-services');
  return withCliContext(async (app) => {
    const rewrap = app.get(MasterKeyRewrap);
    const active = rewrap.activeVersion;
    const before = await rewrap.counts();
    const total = before.filter((count) => count.version !== active).reduce((sum, count) => sum + count.count, 0);
    let done = 0;
    const unreadable = new Map<string, number>();
    try {
      await rewrap.rewrapAll(batch, (column, moved, failed) => {
        done += moved;
        if (failed > 0) unreadable.set(column, (unreadable.get(column) ?? 0) + failed);
        process.stderr.write(`\r${progressBar(done, total)} ${done}/${total} ${column}   `);
      });
    } catch (error) {
      if (total > 0) process.stderr.write('\n');
      // What was moved stays moved: the interrupted run is on record too.
      await auditAsSystem(app, 'keys-rewrap', {
        action: 'master_key.rewrap',
        outcome: 'failure',
        reason: 'the run stopped before the end',
        after: { activeVersion: active, batch, moved: done },
      }).catch(() => undefined);
      throw error;
    }
    if (total > 0) process.stderr.write('\n');
    for (const [column, count] of unreadable) {
      process.stderr.write(
        `${column}: ${count} values did not decrypt (altered, moved, or under a key not loaded) and were left as they are\n`,
      );
    }
    const after = await rewrap.counts();
    const left = after.filter((count) => count.version !== active);
    await auditAsSystem(app, 'keys-rewrap', {
      action: 'master_key.rewrap',
      outcome: 'success',
      after: {
        activeVersion: active,
        batch,
        moved: done,
        unreadable: Object.fromEntries(unreadable),
        left: left.map((count) => ({ column: count.column, version: count.version, count: count.count })),
      },
    });
    process.stdout.write(report(after, active));
    return left.length > 0 ? EXIT.FAILED : EXIT.OK;
  });
});

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
