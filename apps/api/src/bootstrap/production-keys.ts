import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { closeSync, constants, existsSync, fchmodSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEVELOPMENT_MARKER } from './development-secrets';

/** One key file the service loads at boot and that we make ourselves (not a provider's). */
export interface ProductionKeyFile {
  /** The file made: version 1 of its family. */
  readonly name: string;
  /** `<stem>.vN.<extension>`: any version present counts as present. */
  readonly stem: string;
  readonly extension: string;
  readonly what: string;
  /** What losing it costs: printed as the backup advice. */
  readonly ifLost: string;
  make(): string;
}

const base64Key = (): string => `${randomBytes(32).toString('base64')}\n`;
const pkcs8 = (key: ReturnType<typeof generateKeyPairSync>['privateKey']): string =>
  key.export({ type: 'pkcs8', format: 'pem' }).toString();

/**
 * Every key file a production boot loads that is ours to make, in the formats the loaders
 * accept (libs/crypto key-material, SigningKeys, ApiKeyPeppers, CosignerKeys). The
 * providers' public keys and API credentials come from the providers and are not here.
 */
export const PRODUCTION_KEY_FILES: readonly ProductionKeyFile[] = [
  {
    name: 'master.v1.key',
    stem: 'master',
    extension: 'key',
    what: 'master key (seals TOTP secrets, vault values, webhook secrets, queued mail)',
    ifLost: 'every sealed value is lost for good: back it up, offline, apart from the database backups',
    make: base64Key,
  },
  {
    name: 'api-key-pepper.v1.key',
    stem: 'api-key-pepper',
    extension: 'key',
    what: 'API-key hash pepper',
    ifLost: 'every API key stops verifying and must be reissued: back it up',
    make: base64Key,
  },
  {
    name: 'jwt-signing.v1.pem',
    stem: 'jwt-signing',
    extension: 'pem',
    what: 'admin access-token signing key (EC P-256)',
    ifLost: 'replaceable: a new one ends every admin session',
    make: () => pkcs8(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey),
  },
  {
    name: 'cosigner-response.v1.pem',
    stem: 'cosigner-response',
    extension: 'pem',
    what: 'co-signer response signing key (RSA 3072)',
    ifLost: "replaceable, but each provider's console must then be given the new public key: back it up",
    make: () => pkcs8(generateKeyPairSync('rsa', { modulusLength: 3072 }).privateKey),
  },
  {
    name: 'audit-checkpoint.v1.pem',
    stem: 'audit-checkpoint',
    extension: 'pem',
    what: 'audit checkpoint signing key (Ed25519)',
    ifLost: 'replaceable: add a new version; keep the old public key, or its checkpoints no longer verify',
    make: () => pkcs8(generateKeyPairSync('ed25519').privateKey),
  },
];

/** Refused before anything is written: the message says why and what to do. */
export class KeysInitError extends Error {
  override readonly name = 'KeysInitError';
}

export interface KeysInitResult {
  readonly directory: string;
  readonly created: readonly ProductionKeyFile[];
  /** Families already present (only with `keepExisting`), by the file names found. */
  readonly kept: readonly { file: ProductionKeyFile; found: readonly string[] }[];
}

/**
 * Makes the production secrets directory: created mode 0700 if absent, each missing key
 * file written mode 0600 with O_EXCL (never over an existing file). A family already present
 * (any version) is a refusal, nothing written, unless `keepExisting` (then it is kept and
 * only the missing ones are made: a re-run is a no-op). A directory the service would
 * refuse (writable by group or others, another user's, a symbolic link, development keys)
 * is refused here first. Never returns or prints key material.
 */
export function initProductionKeys(directory: string, options: { keepExisting?: boolean } = {}): KeysInitResult {
  const path = resolve(directory);
  if (existsSync(path)) {
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) throw new KeysInitError(`${path} is a symbolic link: give the real directory`);
    if (!stat.isDirectory()) throw new KeysInitError(`${path} is not a directory`);
    if ((stat.mode & 0o022) !== 0) throw new KeysInitError(`${path} is writable by group or others: chmod 700 it first`);
    const self = process.getuid?.();
    if (self !== undefined && stat.uid !== self && stat.uid !== 0) {
      throw new KeysInitError(`${path} belongs to uid ${stat.uid}, not to this user (uid ${self}): run as the user the service runs as`);
    }
  } else {
    mkdirSync(path, { recursive: true, mode: 0o700 });
  }
  const names = readdirSync(path);
  if (names.includes(DEVELOPMENT_MARKER)) {
    throw new KeysInitError(`${path} holds development keys (${DEVELOPMENT_MARKER}), which production refuses: use an empty directory`);
  }
  const present = PRODUCTION_KEY_FILES.map((file) => ({ file, found: names.filter((name) => isVersionOf(name, file)) }));
  const clashes = present.filter((entry) => entry.found.length > 0);
  if (clashes.length > 0 && !options.keepExisting) {
    throw new KeysInitError(
      `${path} already holds ${clashes.flatMap((entry) => entry.found).join(', ')}: nothing was written. ` +
        'Keys are never overwritten; pass --keep-existing to make only the missing ones, or give an empty directory.',
    );
  }
  const created: ProductionKeyFile[] = [];
  for (const { file, found } of present) {
    if (found.length > 0) continue;
    writeExclusive(join(path, file.name), file.make());
    created.push(file);
  }
  if (created.length > 0) {
    const fd = openSync(path, constants.O_RDONLY);
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
  return { directory: path, created, kept: clashes };
}

function isVersionOf(name: string, file: ProductionKeyFile): boolean {
  const [prefix, suffix] = [`${file.stem}.v`, `.${file.extension}`];
  return name.startsWith(prefix) && name.endsWith(suffix) && /^[1-9]\d*$/.test(name.slice(prefix.length, -suffix.length));
}

function writeExclusive(path: string, content: string): void {
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    fchmodSync(fd, 0o600); // whatever the umask
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
