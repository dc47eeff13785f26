import { parseArgs } from 'node:util';
import { ConfigError } from '../config/app-config';
import { describeFailure } from './failure-message';
import { unsupportedNode } from './node-runtime';

/** The exit codes every command shares (sysexits.h where one fits). */
export const EXIT = {
  OK: 0,
  /** The command ran and found something wrong (a broken chain, pending migrations, …), or failed; the reason is printed. */
  FAILED: 1,
  /** EX_USAGE: an unknown option, a missing or bad value (named). */
  USAGE: 64,
  /** EX_CONFIG: the environment's configuration is invalid (every problem named). */
  CONFIG: 78,
} as const;

const SHARED_EXIT_CODES: readonly (readonly [number, string])[] = [
  [EXIT.USAGE, 'bad usage: an unknown option, a missing or bad value (named on stderr)'],
  [EXIT.CONFIG, 'the configuration (environment variables) is invalid; each problem is named'],
];

export interface CliOption {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** The value's placeholder in the usage (`<address>`). */
  readonly value?: string;
  readonly default?: string;
  readonly description: string;
}

/** A command's interface, from which its parsing and its `--help` both come. */
export interface CliSpec {
  /** As run: `admin:create`. */
  readonly name: string;
  readonly summary: string;
  /** After the name in the usage line: `--email <address> [--role <role>]`. */
  readonly usage: string;
  readonly options: Readonly<Record<string, CliOption>>;
  /** Positional arguments this command accepts (none unless given). */
  readonly positionals?: { readonly name: string; readonly description: string; readonly choices?: readonly string[] };
  readonly examples: readonly string[];
  /** The codes particular to this command (0 and 1 at least); 64 and 78 are added. */
  readonly exitCodes: readonly (readonly [number, string])[];
  /** Lines after the options (where it connects, what it records). */
  readonly notes?: readonly string[];
}

export interface ParsedArgs {
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  readonly positionals: readonly string[];
}

/** A usage mistake: printed with the command's name and a pointer to `--help`, exit 64. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Every CLI's `--help`: usage, options, examples, exit codes. */
export function helpText(spec: CliSpec): string {
  const lines = [`${spec.name}: ${spec.summary}`, '', `usage: ringfence ${spec.name} ${spec.usage}`.trimEnd()];
  lines.push(`       npm run ${spec.name}${spec.usage ? ` -- ${spec.usage}` : ''}`);
  if (spec.positionals) {
    lines.push('', 'arguments:', `  ${spec.positionals.name.padEnd(24)}${spec.positionals.description}`);
  }
  lines.push('', 'options:');
  const entries = Object.entries(spec.options).map(([name, option]) => {
    const flag = `${option.short ? `-${option.short}, ` : ''}--${name}${option.type === 'string' ? ` ${option.value ?? '<value>'}` : ''}`;
    return [flag, `${option.description}${option.default !== undefined ? ` (default: ${option.default})` : ''}`] as const;
  });
  entries.push(['-h, --help', 'print this help and exit 0']);
  for (const [flag, description] of entries) lines.push(`  ${flag.padEnd(24)}${description}`);
  if (spec.notes?.length) lines.push('', ...spec.notes);
  lines.push('', 'examples:', ...spec.examples.map((example) => `  ${example}`));
  lines.push('', 'exit codes:');
  for (const [code, meaning] of [...spec.exitCodes, ...SHARED_EXIT_CODES]) lines.push(`  ${String(code).padEnd(4)}${meaning}`);
  return `${lines.join('\n')}\n`;
}

/**
 * Parses `argv` strictly against `spec` (Node's `util.parseArgs`): an unknown option, a
 * missing value, a value given to a flag or a stray argument is a `UsageError` naming it.
 * `--help`/`-h` is answered by `runCli`.
 */
export function parseCliArgs(spec: CliSpec, argv: readonly string[]): ParsedArgs & { help: boolean } {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; default?: string }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const [name, option] of Object.entries(spec.options)) {
    options[name] = {
      type: option.type,
      ...(option.short ? { short: option.short } : {}),
      ...(option.default !== undefined ? { default: option.default } : {}),
    };
  }
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: spec.positionals !== undefined });
  } catch (error) {
    throw new UsageError(parseErrorMessage(error, argv));
  }
  const { help, ...values } = parsed.values as Record<string, string | boolean | undefined>;
  if (help) return { help: true, values, positionals: parsed.positionals };
  const choices = spec.positionals?.choices;
  for (const positional of parsed.positionals) {
    if (spec.positionals && choices && !choices.includes(positional)) {
      throw new UsageError(`unknown ${spec.positionals.name} '${positional}' (one of: ${choices.join(', ')})`);
    }
  }
  return { help: false, values, positionals: parsed.positionals };
}

/** `util.parseArgs`'s errors, reworded to name the option without its advice about `--`. */
function parseErrorMessage(error: unknown, argv: readonly string[]): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = String((error as { code?: unknown }).code);
  const option = /'(-[^']*)'/.exec(message)?.[1];
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option '${option ?? argv.find((arg) => arg.startsWith('-')) ?? '?'}'`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument '${/'([^']*)'/.exec(message)?.[1] ?? '?'}': this command takes options only`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return message.replace(/^Option /, 'option ').replace(/\.$/, '');
    default:
      return message;
  }
}

/**
 * A command's whole life: Node's version checked, `--help` printed (exit 0), the arguments
 * parsed (a usage error exits 64 naming the option), `main` run; a configuration error exits
 * 78, any other failure prints `<name> failed:` and its real cause, each cause under it on its
 * own line (never `undefined`, never a password), exit 1.
 */
export function runCli(spec: CliSpec, main: (args: ParsedArgs) => Promise<number>, argv: readonly string[] = process.argv.slice(2)): void {
  void run(spec, main, argv)
    .catch((error: unknown) => {
      process.stderr.write(`${spec.name} failed: ${describeFailure(error)}\n`);
      return EXIT.FAILED;
    })
    .then((code) => {
      // Let what was written reach a pipe before exiting.
      process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
    });
}

async function run(spec: CliSpec, main: (args: ParsedArgs) => Promise<number>, argv: readonly string[]): Promise<number> {
  let args;
  try {
    args = parseCliArgs(spec, argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${spec.name}: ${error.message}\nRun 'npm run ${spec.name} -- --help' for usage.\n`);
    return EXIT.USAGE;
  }
  if (args.help) {
    process.stdout.write(helpText(spec));
    return EXIT.OK;
  }
  const refused = unsupportedNode(process.versions.node);
  if (refused) {
    process.stderr.write(`${spec.name} failed: ${refused}\n`);
    return EXIT.FAILED;
  }
  try {
    return await main(args);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${spec.name}: ${error.message}\nRun 'npm run ${spec.name} -- --help' for usage.\n`);
      return EXIT.USAGE;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`${spec.name}: ${error.message}\n`);
      return EXIT.CONFIG;
    }
    process.stderr.write(`${spec.name} failed: ${describeFailure(error)}\n`);
    return EXIT.FAILED;
  }
}

/** A whole number option within bounds, or a `UsageError` naming the option and the value. */
export function integerOption(name: string, raw: string | boolean | undefined, min: number, max: number): number {
  const text = typeof raw === 'string' ? raw.trim() : '';
  const value = /^\d{1,18}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max} (got '${typeof raw === 'string' ? raw : ''}')`);
  }
  return value;
}
