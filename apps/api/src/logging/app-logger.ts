import pino, { DestinationStream, Logger } from 'pino';
import { AppConfig } from '../config/app-config';
import { redactSecrets } from './log-redaction';

/** The process's one pino logger: JSON, redacted, shared by Fastify and Nest. */
export function createAppLogger(config: Pick<AppConfig, 'logLevel'>, destination?: DestinationStream): Logger {
  return pino(
    {
      level: config.logLevel,
      base: { service: 'ringfence-api' },
      messageKey: 'msg',
      formatters: { log: (fields) => redactSecrets(fields), bindings: (bindings) => redactSecrets(bindings) },
      // Fastify's default request serializers log URLs and headers; we log neither.
      serializers: { req: () => undefined, res: () => undefined, err: serializeError },
    },
    destination ?? pino.destination({ sync: false }),
  );
}

/**
 * An error as a plain object, redacted like any other field: a failed query carries its
 * `parameters` (hashes, sealed secrets, emails), and they never reach a log line.
 */
function serializeError(error: unknown): unknown {
  return error instanceof Error ? redactSecrets({ ...pino.stdSerializers.err(error) }) : error;
}
