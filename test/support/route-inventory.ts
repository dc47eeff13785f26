import { INestApplication, RequestMethod, Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import { FASTIFY_ROUTE_CONFIG_METADATA } from '@nestjs/platform-fastify/constants';
import { ACCESS_POLICY, AccessPolicy, RouteAccess, routeAccessOf, STEP_UP } from '@ringfence/access';
import { AUDITED_ACTION, AUDITED_IN_SERVICE } from '@ringfence/audit';
import { SKIP_RATE_LIMITS } from '@ringfence/limits';

export interface RouteDeclaration {
  route: string;
  controller: string;
  policy: AccessPolicy | undefined;
  stepUp: boolean;
  /** The `@Audited` action, which also brings the route's transaction. */
  audited?: string;
  /** `@SkipRateLimits()`: no request limit at all. */
  unlimited: boolean;
  /** What the gate reads as a request runs: the route's Fastify config, as the decorators wrote it. */
  gate: RouteAccess | undefined;
}

/** Every route Nest registers, with the access policy it declares (or none). */
export function listRouteDeclarations(app: INestApplication): RouteDeclaration[] {
  const routes: RouteDeclaration[] = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type | null;
      if (!controller) continue;
      const prefix = normalise(Reflect.getMetadata(PATH_METADATA, controller) as string | string[] | undefined);
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, unknown>)[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (method === undefined) continue;
        const path = normalise(Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined);
        const policy = (Reflect.getMetadata(ACCESS_POLICY, handler) ?? Reflect.getMetadata(ACCESS_POLICY, controller)) as
          AccessPolicy | undefined;
        const stepUp = Reflect.getMetadata(STEP_UP, handler) === true;
        const inService = Reflect.getMetadata(AUDITED_IN_SERVICE, handler) as string | undefined;
        const audited =
          (Reflect.getMetadata(AUDITED_ACTION, handler) as string | undefined) ?? (inService ? `${inService} in service` : undefined);
        const unlimited = (Reflect.getMetadata(SKIP_RATE_LIMITS, handler) ?? Reflect.getMetadata(SKIP_RATE_LIMITS, controller)) === true;
        routes.push({
          route: `${RequestMethod[method]} ${`/${[prefix, path].filter(Boolean).join('/')}`}`,
          controller: `${controller.name}.${name}`,
          policy,
          stepUp,
          ...(audited ? { audited } : {}),
          unlimited,
          gate: routeAccessOf(Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, handler)),
        });
      }
    }
  }
  return routes.sort((a, b) => a.route.localeCompare(b.route));
}

export function describePolicy(policy: AccessPolicy | undefined, stepUp = false): string {
  if (!policy) return 'UNDECLARED';
  switch (policy.kind) {
    case 'public':
      return 'public';
    case 'admin':
      return `admin roles: ${policy.roles.join(', ')}${policy.duringSetup ? ' (also during setup)' : ''}${stepUp ? ' + step-up' : ''}`;
    case 'api_key':
      return `api key scopes: ${policy.scopes.length ? policy.scopes.join(', ') : '(any valid key)'}`;
    case 'admin_or_api_key':
      return `admin roles: ${policy.roles.join(', ')} | api key scopes: ${policy.scopes.join(', ')}`;
    case 'provider':
      return 'provider signature';
  }
}

function normalise(path: string | string[] | undefined): string {
  const one = Array.isArray(path) ? path[0] : path;
  return (one ?? '').replace(/^\/+|\/+$/g, '');
}
