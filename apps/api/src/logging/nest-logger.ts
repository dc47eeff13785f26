import { Logger as NestPinoLogger } from 'nestjs-pino';

/**
 * Nest's bootstrap chatter: a line per module initialised and per route mapped, about 130 at
 * every start, which buried the lines a person starting the server needs (the development
 * keys' warning, the listening address, the one-time owner credential). At `debug` only.
 */
const BOOT_CHATTER = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer']);

/** Nest's logger on the process's pino logger (nestjs-pino's), with its boot chatter at `debug`. */
export class NestLogger extends NestPinoLogger {
  override log(message: unknown, ...optionalParams: unknown[]): void {
    const context = optionalParams[optionalParams.length - 1];
    if (typeof context === 'string' && BOOT_CHATTER.has(context)) super.debug(message, ...optionalParams);
    else super.log(message, ...optionalParams);
  }
}
