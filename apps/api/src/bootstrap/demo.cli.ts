import 'reflect-metadata';
import { CliSpec, EXIT, runCli } from './cli-command';

const DEMO: CliSpec = {
  name: 'demo',
  summary: "the cosigner's loop end to end on an embedded PostgreSQL in a temporary directory (./.data untouched)",
  usage: '',
  options: {},
  notes: [
    'A workspace, a key, a policy and five transfers through the provider simulator, printed as a table (README, "The cosigner demo").',
  ],
  examples: ['npm run demo'],
  exitCodes: [
    [EXIT.OK, 'every transfer ended as expected'],
    [EXIT.FAILED, 'a transfer ended otherwise, or the demo failed (the cause is printed)'],
  ],
};

/** `npm run demo`: the cosigner's loop end to end (docs: README, "The cosigner demo"); exit 0 when every transfer ended as expected. */
runCli(DEMO, async () => {
  const { runDemo } = await import('./cosigner-demo');
  return runDemo({ write: (text) => void process.stdout.write(text) });
});
