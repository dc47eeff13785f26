import pino, { DestinationStream, Logger } from 'pino';
import { AppConfig } from '../config/app-config';
import { LOG_REDACT_PATHS, REDACTED } from './log-redaction';

/** The process's one pino logger: JSON, redacted, shared by Fastify and Nest. */
export function createAppLogger(config: Pick<AppConfig, 'logLevel'>, destination?: DestinationStream): Logger {
  return pino(
    {
      level: config.logLevel,
      base: { service: 'ringfence-api' },
      messageKey: 'msg',
      redact: { paths: LOG_REDACT_PATHS, censor: REDACTED },
      // Fastify's default request serializers log URLs and headers; we log neither.
      serializers: { req: () => undefined, res: () => undefined, err: pino.stdSerializers.err },
    },
    destination ?? pino.destination({ sync: false }),
  );
}
