import { Get } from '@nestjs/common';
// eslint-disable-next-line no-restricted-imports -- the hazard the lint rule names, shown
import { RouteConfig } from '@nestjs/platform-fastify';
import { FASTIFY_ROUTE_CONFIG_METADATA } from '@nestjs/platform-fastify/constants';
import { AdminRoles, mergeRouteConfig, Public, routeAccessOf, Scopes, StepUp } from './access-policy';

const configOf = (method: unknown): unknown => Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, method as object);

/** Where the gate reads a route's declaration: the Fastify route config the decorators write. */
describe('access declarations in the route config', () => {
  it('puts a method declaration and its step-up beside what the route config already holds, in either order', () => {
    class Routes {
      @Get('a')
      @AdminRoles('owner')
      @StepUp()
      @RouteConfig({ bodyClass: 'batch' })
      first(): void {}

      @Get('b')
      @RouteConfig({ bodyClass: 'batch' })
      @StepUp()
      @Scopes('vault:read')
      second(): void {}
    }
    const first = configOf(Routes.prototype.first) as Record<string, unknown>;
    expect(routeAccessOf(first)).toEqual({ policy: { kind: 'admin', roles: ['owner'] }, stepUp: true });
    expect(first['bodyClass']).toBe('batch');
    // Nest's @RouteConfig() above the declaration replaces the config: the route is undeclared, hence refused.
    expect(routeAccessOf(configOf(Routes.prototype.second))).toBeUndefined();
  });

  it('gives a controller-level declaration to the methods that declare none, never over their own', () => {
    @Public()
    class Routes {
      @Get('own')
      @Scopes('audit:read')
      own(): void {}

      @Get('inherited')
      inherited(): void {}
    }
    expect(routeAccessOf(configOf(Routes.prototype.own))?.policy).toEqual({ kind: 'api_key', scopes: ['audit:read'] });
    expect(routeAccessOf(configOf(Routes.prototype.inherited))?.policy).toEqual({ kind: 'public' });
  });

  it('reads step-up for admin routes only, and nothing from a config without a declaration', () => {
    const method = (): void => undefined;
    mergeRouteConfig(method, { skipRateLimits: true });
    expect(routeAccessOf(configOf(method))).toBeUndefined();
    expect(routeAccessOf(undefined)).toBeUndefined();
    class Routes {
      @Get()
      @Scopes()
      @StepUp()
      keyed(): void {}
    }
    expect(routeAccessOf(configOf(Routes.prototype.keyed))).toEqual({ policy: { kind: 'api_key', scopes: [] }, stepUp: false });
    expect(configOf(method)).toEqual({ skipRateLimits: true });
  });
});
