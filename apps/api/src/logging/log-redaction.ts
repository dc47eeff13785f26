/**
 * Field names whose values never reach a log line, compared case-insensitively at any
 * depth up to MAX_DEPTH. We walk the object ourselves instead of using pino's `redact`
 * with `*.field` wildcards: those cost ~28 µs per line here against ~0.4 µs for this
 * walk (docs/adr/0003-request-context-and-performance.md).
 */
const SECRET_FIELDS = new Set(
  [
    'password',
    'newPassword',
    'currentPassword',
    'passphrase',
    'secret',
    'clientSecret',
    'token',
    'accessToken',
    'refreshToken',
    'idToken',
    'apiKey',
    'key',
    'privateKey',
    'masterKey',
    'authorization',
    'cookie',
    'set-cookie',
    'x-api-key',
    'totp',
    'totpCode',
    'otp',
    'recoveryCode',
    'recoveryCodes',
    'pepper',
    'plaintext',
    // A failed query's bound values (TypeORM's QueryFailedError).
    'parameters',
  ].map((name) => name.toLowerCase()),
);

export const REDACTED = '[REDACTED]';
const MAX_DEPTH = 5;

/** A copy of `value` with secret-named fields censored; untouched parts are shared, not copied. */
export function redactSecrets<T>(value: T, depth = 0): T {
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) {
    let changed = false;
    const items = value.map((item: unknown) => {
      const redacted = redactSecrets(item, depth + 1);
      changed ||= redacted !== item;
      return redacted;
    });
    return (changed ? items : value) as T;
  }
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) return value; // Errors, Buffers, Dates: as serialised
  let copy: Record<string, unknown> | undefined;
  for (const [field, item] of Object.entries(value as Record<string, unknown>)) {
    const redacted = SECRET_FIELDS.has(field.toLowerCase()) ? REDACTED : redactSecrets(item, depth + 1);
    if (redacted !== item) {
      copy ??= { ...(value as Record<string, unknown>) };
      copy[field] = redacted;
    }
  }
  return (copy ?? value) as T;
}

/**
 * Free text (a server's log line, an error message) with the given secrets, SQL password
 * literals (`PASSWORD '…'`) and the password of any `scheme://user:password@` URL
 * replaced by REDACTED.
 */
export function redactText(text: string, secrets: readonly string[] = []): string {
  let redacted = text
    .replace(/(\bPASSWORD\s+E?)'(?:[^']|'')*'/gi, `$1'${REDACTED}'`)
    .replace(/([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s@/]+@/gi, `$1${REDACTED}@`);
  for (const secret of secrets) if (secret) redacted = redacted.split(secret).join(REDACTED);
  return redacted;
}
