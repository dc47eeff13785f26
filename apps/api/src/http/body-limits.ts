import { RouteConfig } from '@nestjs/platform-fastify';

export const DEFAULT_BODY_LIMIT = 1024 * 1024;
export const BATCH_BODY_LIMIT = 5 * 1024 * 1024;

/** The 5 MB body class, for batch routes; every other route accepts 1 MB. */
export const BatchBody = (): MethodDecorator => RouteConfig({ bodyClass: 'batch' });

export function bodyLimitFor(routeConfig: unknown): number {
  return (routeConfig as { bodyClass?: string } | undefined)?.bodyClass === 'batch' ? BATCH_BODY_LIMIT : DEFAULT_BODY_LIMIT;
}
