import { INestApplication, Type } from '@nestjs/common';
import { METHOD_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { ModulesContainer } from '@nestjs/core';
import { mergeRouteConfig } from '@ringfence/access';
import { skipsRateLimits } from '@ringfence/limits';
import { RequestProblems } from '@ringfence/problems';
import type { preHandlerHookHandler } from 'fastify';
import { fieldName } from './request-input';
import { MAX_LISTED_FIELDS } from './validation';

/** The route config entry: the query parameters a route reads by name (none: it takes no query). */
const DECLARED_QUERY = 'declaredQuery';

/**
 * The query parameters a handler reads one by one (`@Query('environment')`), none if it
 * reads no query; undefined when it takes the whole query as a DTO (`@Query() query: PageQuery`),
 * which the ValidationPipe validates, refusing an unknown parameter as it refuses an unknown body field.
 */
export function declaredQueryOf(controller: Type, method: string): readonly string[] | undefined {
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, method) ?? {}) as Record<string, { data?: unknown }>;
  const names: string[] = [];
  for (const [key, arg] of Object.entries(args)) {
    if (Number(key.split(':')[0]) !== (RouteParamtypes.QUERY as number)) continue;
    if (typeof arg.data !== 'string') return undefined;
    names.push(arg.data);
  }
  return names;
}

/**
 * Declares, in every Nest route's Fastify config, the query parameters it reads by name, so
 * that the boundary refuses any other (`queryCheckFor`): with the DTO routes' ValidationPipe,
 * an unknown query parameter is a 400 VALIDATION_FAILED on every route, as an unknown body
 * field is. Before `app.init()`, which registers the routes with their config.
 */
export function declareRouteQueries(app: INestApplication): void {
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type | null;
      if (!controller) continue;
      const prototype = controller.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(prototype)) {
        const handler = prototype[name];
        if (name === 'constructor' || typeof handler !== 'function' || Reflect.getMetadata(METHOD_METADATA, handler) === undefined)
          continue;
        const declared = declaredQueryOf(controller, name);
        if (declared) mergeRouteConfig(handler, { [DECLARED_QUERY]: declared });
      }
    }
  }
}

/**
 * The route's check of its query (after the gate, as the ValidationPipe's would be); undefined:
 * nothing to check here. Not on the health probes (`@SkipRateLimits()`): a platform's probe
 * may carry a query of its own (`/health/live?probe=1`), and they read none.
 */
export function queryCheckFor(routeConfig: unknown): preHandlerHookHandler | undefined {
  const declared = (routeConfig as Record<string, unknown> | undefined)?.[DECLARED_QUERY] as readonly string[] | undefined;
  if (!declared || skipsRateLimits(routeConfig)) return undefined;
  return (request, _reply, done) => {
    const unknown: string[] = [];
    for (const name in request.query as Record<string, unknown>) if (!declared.includes(name)) unknown.push(name);
    if (unknown.length === 0) return done();
    done(
      RequestProblems.VALIDATION_FAILED({
        errors: unknown
          .slice(0, MAX_LISTED_FIELDS)
          .map((name) => ({ field: fieldName(name), messages: [`property ${fieldName(name)} should not exist`] })),
      }),
    );
  };
}
