import { parseArgs } from 'node:util';
import { describeFailure } from './failure-message';
import { initProductionKeys, KeysInitError, PRODUCTION_KEY_FILES } from './production-keys';

const USAGE = `usage: npm run keys:init -- --dir <secrets dir> [--keep-existing]
       node dist/apps/api/src/bootstrap/keys-init.cli.js --dir <secrets dir> [--keep-existing]

Creates every key file a production start loads that is ours to make, in an empty (or new)
secrets directory: ${PRODUCTION_KEY_FILES.map((file) => file.name).join(', ')}.
The directory is made mode 0700, each file mode 0600, owned by the user running this (run it
as the user the service runs as: uid 1000, \`node\`, in the image). Existing keys are never
overwritten. No key material is printed.

options:
  --dir <path>       the secrets directory (default: RINGFENCE_SECRETS_DIR)
  --keep-existing    keep the key families already present, make only the missing ones
                     (a second run is then a no-op); without it any present key is a refusal
  -h, --help         this text

exit codes: 0 keys created (or, with --keep-existing, all present); 1 refused or failed,
nothing overwritten; 64 bad usage

examples:
  npm run keys:init -- --dir /srv/ringfence/secrets
  docker compose run --rm keys
`;

/** `keys:init`: the production secrets directory in one command (apps/api/src/bootstrap/production-keys.ts). */
function main(): void {
  let values: { dir?: string; 'keep-existing'?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: { dir: { type: 'string' }, 'keep-existing': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (error) {
    process.stderr.write(`keys:init: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    process.exit(64);
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const dir = values.dir ?? process.env.RINGFENCE_SECRETS_DIR;
  if (!dir) {
    process.stderr.write(`keys:init: --dir is required (or set RINGFENCE_SECRETS_DIR)\n\n${USAGE}`);
    process.exit(64);
  }
  const result = initProductionKeys(dir, { keepExisting: values['keep-existing'] });
  const lines: string[] = [];
  if (result.created.length === 0) {
    lines.push(`${result.directory}: every key file is present already; nothing written.`);
  } else {
    lines.push(`Created in ${result.directory} (directory 0700, files 0600, uid ${process.getuid?.() ?? '?'}):`);
    for (const file of result.created) lines.push(`  ${file.name.padEnd(26)} ${file.what}`);
  }
  for (const { found } of result.kept) lines.push(`  kept: ${found.join(', ')}`);
  lines.push('', 'Back up now, somewhere other than the database backups (a database copy with its master key is every secret in clear):');
  for (const file of PRODUCTION_KEY_FILES) lines.push(`  ${file.name.padEnd(26)} if lost, ${file.ifLost}`);
  lines.push(
    '',
    'Not made here: a provider’s public keys and API credentials (cosigner-<provider>.pub.vN.pem, webhook-<provider>.pub.vN.pem,',
    'fireblocks-api*.vN.*) come from the provider; add them to this directory, mode 0600, for each of COSIGNER_PROVIDERS.',
    'The service refuses files that are not its own user’s (or root’s): if it runs as another uid, chown -R the directory to it.',
    '',
  );
  process.stdout.write(lines.join('\n'));
}

try {
  main();
} catch (error) {
  process.stderr.write(`keys:init refused: ${error instanceof KeysInitError ? error.message : describeFailure(error)}\n`);
  process.exit(1);
}
