import { mergeRouteConfig } from '@ringfence/access';
import { BATCH_BODY_SHAPE, BodyShapeLimits, SINGLE_BODY_SHAPE } from './request-input';

export const DEFAULT_BODY_LIMIT = 1024 * 1024;
export const BATCH_BODY_LIMIT = 5 * 1024 * 1024;

/**
 * The media types a token route takes its body as (a compact JWS is sent as any of them),
 * as raw bytes: a signature is verified over exactly what was received, never a re-encoding.
 */
export const TOKEN_MEDIA_TYPES = ['application/json', 'text/plain', 'application/jwt', 'application/jose'] as const;

/** The 5 MB body class, for batch routes; every other route accepts 1 MB. */
export const BatchBody = (): MethodDecorator => (_target, _key, descriptor) =>
  mergeRouteConfig(descriptor.value as object, { bodyClass: 'batch' });

/**
 * The body is a signed token read as bytes, whatever of TOKEN_MEDIA_TYPES it says it is, and
 * reaches the handler as a Buffer: for routes that verify a signature over the body as
 * received (the custody provider's callbacks). Nothing parses it before the handler has
 * verified it. `maxBytes`: a cap of its own under the default 1 MB (Fastify answers 413 for a
 * longer body before reading it whole, and before any parser or the gate sees it).
 */
export const TokenBody =
  (maxBytes?: number): MethodDecorator =>
  (_target, _key, descriptor) =>
    mergeRouteConfig(descriptor.value as object, { bodyClass: 'token', ...(maxBytes === undefined ? {} : { tokenBodyLimit: maxBytes }) });

export function takesTokenBody(routeConfig: unknown): boolean {
  return (routeConfig as { bodyClass?: string } | undefined)?.bodyClass === 'token';
}

function isBatch(routeConfig: unknown): boolean {
  return (routeConfig as { bodyClass?: string } | undefined)?.bodyClass === 'batch';
}

export function bodyLimitFor(routeConfig: unknown): number {
  const tokenLimit = (routeConfig as { tokenBodyLimit?: unknown } | undefined)?.tokenBodyLimit;
  if (takesTokenBody(routeConfig) && typeof tokenLimit === 'number') return Math.min(tokenLimit, DEFAULT_BODY_LIMIT);
  return isBatch(routeConfig) ? BATCH_BODY_LIMIT : DEFAULT_BODY_LIMIT;
}

/** Depth, keys, array items and values a body of the route's class may have. */
export function bodyShapeFor(routeConfig: unknown): BodyShapeLimits {
  return isBatch(routeConfig) ? BATCH_BODY_SHAPE : SINGLE_BODY_SHAPE;
}
