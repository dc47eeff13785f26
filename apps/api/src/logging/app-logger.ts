import pino, { DestinationStream, Logger } from 'pino';
import { AppConfig } from '../config/app-config';
import { redactSecrets } from './log-redaction';

/** The process's one pino logger: JSON, redacted, shared by Fastify and Nest. */
export function createAppLogger(
  config: Pick<AppConfig, 'logLevel'> & Partial<Pick<AppConfig, 'logFormat'>>,
  destination?: DestinationStream,
): Logger {
  return pino(
    {
      level: config.logLevel,
      base: { service: 'ringfence-api' },
      messageKey: 'msg',
      formatters: { log: (fields) => redactSecrets(fields), bindings: (bindings) => redactSecrets(bindings) },
      // Fastify's default request serializers log URLs and headers; we log neither.
      serializers: { req: () => undefined, res: () => undefined, err: serializeError },
    },
    destination ?? (config.logFormat === 'pretty' ? prettyDestination() : undefined) ?? pino.destination({ sync: false }),
  );
}

/**
 * Readable lines for a person at a terminal (LOG_FORMAT=pretty, the default on a TTY in
 * development): pino-pretty, a development dependency, loaded only then. The production
 * image has none; without it the lines stay JSON.
 */
function prettyDestination(): DestinationStream | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pretty = require('pino-pretty') as (options: Record<string, unknown>) => DestinationStream;
    return pretty({ colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname,service', singleLine: true, sync: true });
  } catch {
    return undefined;
  }
}

/**
 * An error as a plain object, redacted like any other field: a failed query carries its
 * `parameters` (hashes, sealed secrets, emails), and they never reach a log line.
 */
function serializeError(error: unknown): unknown {
  return error instanceof Error ? redactSecrets({ ...pino.stdSerializers.err(error) }) : error;
}
