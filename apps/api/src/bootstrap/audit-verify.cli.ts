import 'reflect-metadata';
import { AuditChain } from '@ringfence/audit';
import { parseArgs } from 'node:util';
import { withCliContext } from './cli-context';
import { describeFailure } from './failure-message';

/**
 * `npm run audit:verify [-- --from <seq>]`: walks the audit log's hash chain on the
 * configured database (or the embedded one) and prints the first break, if any.
 * Exit 0: intact; 1: a break (or the walk failed); 64: bad usage.
 */
async function main(): Promise<number> {
  const { values } = parseArgs({ options: { from: { type: 'string', default: '0' } } });
  if (!/^\d{1,18}$/.test(values.from ?? '')) {
    process.stderr.write('usage: npm run audit:verify [-- --from <seq>]\n');
    return 64; // EX_USAGE
  }
  return withCliContext(async (app) => {
    const report = await app.get(AuditChain).verify(Number(values.from));
    if (report.intact) {
      process.stdout.write(`audit chain intact: ${report.checked} links checked, through seq ${report.verifiedThroughSeq}\n`);
      return 0;
    }
    const broken = report.firstBreak!;
    process.stdout.write(
      `audit chain BROKEN after seq ${report.verifiedThroughSeq}: ${broken.problem}` +
        `${broken.seq === null ? '' : ` at seq ${broken.seq}`}${broken.auditId === null ? '' : ` (audit row ${broken.auditId})`}\n`,
    );
    return 1;
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`audit:verify failed: ${describeFailure(error)}\n`);
    process.exit(1);
  },
);
