import 'reflect-metadata';
import { runDemo } from './cosigner-demo';
import { unsupportedNode } from './node-runtime';

/** `npm run demo`: the cosigner's loop end to end (docs: README, "The cosigner demo"); exit 0 when every transfer ended as expected. */
async function main(): Promise<number> {
  const refused = unsupportedNode(process.versions.node);
  if (refused) {
    process.stderr.write(`${refused}\n`);
    return 1;
  }
  return runDemo({ write: (text) => void process.stdout.write(text) });
}

main().then(
  (code) => process.stdout.write('', () => process.exit(code)),
  (error: unknown) => {
    process.stderr.write(`the demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
