import { mergeRouteConfig } from '@ringfence/access';
import { BATCH_BODY_SHAPE, BodyShapeLimits, SINGLE_BODY_SHAPE } from './request-input';

export const DEFAULT_BODY_LIMIT = 1024 * 1024;
export const BATCH_BODY_LIMIT = 5 * 1024 * 1024;

/** The 5 MB body class, for batch routes; every other route accepts 1 MB. */
export const BatchBody = (): MethodDecorator => (_target, _key, descriptor) =>
  mergeRouteConfig(descriptor.value as object, { bodyClass: 'batch' });

function isBatch(routeConfig: unknown): boolean {
  return (routeConfig as { bodyClass?: string } | undefined)?.bodyClass === 'batch';
}

export function bodyLimitFor(routeConfig: unknown): number {
  return isBatch(routeConfig) ? BATCH_BODY_LIMIT : DEFAULT_BODY_LIMIT;
}

/** Depth, keys, array items and values a body of the route's class may have. */
export function bodyShapeFor(routeConfig: unknown): BodyShapeLimits {
  return isBatch(routeConfig) ? BATCH_BODY_SHAPE : SINGLE_BODY_SHAPE;
}
