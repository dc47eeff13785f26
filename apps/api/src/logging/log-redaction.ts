/** Field names whose values never reach a log line, at any of the first three levels. */
const SECRET_FIELDS = [
  'password',
  'newPassword',
  'currentPassword',
  'secret',
  'clientSecret',
  'token',
  'accessToken',
  'refreshToken',
  'apiKey',
  'key',
  'privateKey',
  'authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'totp',
  'code',
  'recoveryCode',
];

export const REDACTED = '[REDACTED]';

export const LOG_REDACT_PATHS: string[] = SECRET_FIELDS.flatMap((field) => {
  const key = /^[A-Za-z_$][\w$]*$/.test(field) ? field : `["${field}"]`;
  const dot = key.startsWith('[') ? '' : '.';
  return [key, `*${dot}${key}`, `*.*${dot}${key}`];
});
