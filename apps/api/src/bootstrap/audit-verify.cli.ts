import 'reflect-metadata';
import { CliSpec, EXIT, integerOption, runCli } from './cli-command';

const AUDIT_VERIFY: CliSpec = {
  name: 'audit:verify',
  summary: "walk the audit log's hash chain and print the first break, if any",
  usage: '[--from <seq>] [--checkpoints <dir>]',
  options: {
    from: { type: 'string', value: '<seq>', default: '0', description: 'start at this chain sequence number' },
    checkpoints: {
      type: 'string',
      value: '<dir>',
      description:
        "also recompute the chain from the audit rows and check it against the signed checkpoints exported to <dir> (every *.jsonl file; AUDIT_CHECKPOINT_DIR's)",
    },
  },
  notes: [
    'Rows not yet sealed into the chain (the worker seals them within seconds) are not checked.',
    'With --checkpoints, every line must carry a valid Ed25519 signature of its key version (audit-checkpoint.vN.pem), and the chain',
    "recomputed here from the rows' columns (not the database's audit_verify, audit_row_hash or stored hashes) must equal each signed head:",
    'a row changed, deleted or replaced, or rewritten and relinked, is caught at the first checkpoint after it. A row may be missing only',
    'under a signed retention line; a directory with no checkpoint, or without the newest one exported, fails; a *.jsonl that is not a',
    'regular file is refused; other entries are listed as skipped.',
    'The verification is audited (audit.verify, as system:audit:verify) with its verdict.',
    'Database: DATABASE_URL when set; else the embedded PostgreSQL of RINGFENCE_DATA_DIR (./.data), the running',
    "server's when `npm start` runs (its port read from postmaster.pid), or one started for the command.",
  ],
  examples: [
    'npm run audit:verify',
    'npm run audit:verify -- --from 120000',
    'npm run audit:verify -- --checkpoints /var/lib/ringfence/audit-checkpoints',
    'node bin/ringfence.js audit:verify',
  ],
  exitCodes: [
    [EXIT.OK, 'the chain is intact'],
    [
      EXIT.FAILED,
      'the chain is broken or disagrees with a checkpoint, a checkpoint is forged (the first break is printed on stdout), or the walk failed (the cause on stderr)',
    ],
  ],
};

/** `npm run audit:verify [-- --from <seq>]` (see AUDIT_VERIFY). */
runCli(AUDIT_VERIFY, async ({ values }) => {
  const from = integerOption('from', values.from, 0, Number.MAX_SAFE_INTEGER);
  const checkpointDir = values.checkpoints as string | undefined;
  // The application is loaded only now: `--help` and a usage error answer at once.
  const { AuditChain, AuditCheckpoints, auditAsSystem, withCliContext } = await import('./cli-services');
  return withCliContext(async (app) => {
    const report = await app.get(AuditChain).verify(from);
    const anchored = checkpointDir === undefined ? null : await app.get(AuditCheckpoints).verifyDirectory(checkpointDir);
    await auditAsSystem(app, 'audit:verify', {
      action: 'audit.verify',
      outcome: 'success',
      after: {
        fromSeq: from,
        intact: report.intact,
        checked: report.checked,
        verifiedThroughSeq: report.verifiedThroughSeq,
        firstBreak: report.firstBreak,
        ...(anchored
          ? {
              checkpoints: {
                intact: anchored.intact,
                checked: anchored.checked,
                firstBreak: anchored.firstBreak,
                skipped: anchored.skipped.slice(0, 20),
              },
            }
          : {}),
      },
    });
    if (report.intact) {
      process.stdout.write(`audit chain intact: ${report.checked} links checked, through seq ${report.verifiedThroughSeq}\n`);
    }
    if (anchored && anchored.skipped.length > 0) {
      process.stdout.write(`audit checkpoints: skipped ${anchored.skipped.length} entries not *.jsonl: ${anchored.skipped.join(', ')}\n`);
    }
    if (anchored?.intact) process.stdout.write(`audit checkpoints intact: ${anchored.checked} signed checkpoints match the chain\n`);
    if (anchored && !anchored.intact) {
      const broken = anchored.firstBreak!;
      process.stdout.write(
        `audit checkpoint FAILED${broken.seq === null ? '' : ` at seq ${broken.seq}`} (${broken.where}): ${broken.problem}\n`,
      );
    }
    if (report.intact) return anchored === null || anchored.intact ? EXIT.OK : EXIT.FAILED;
    const broken = report.firstBreak!;
    process.stdout.write(
      `audit chain BROKEN after seq ${report.verifiedThroughSeq}: ${broken.problem}` +
        `${broken.seq === null ? '' : ` at seq ${broken.seq}`}${broken.auditId === null ? '' : ` (audit row ${broken.auditId})`}\n`,
    );
    return EXIT.FAILED;
  });
});
