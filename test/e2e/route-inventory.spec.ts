import { INestApplication } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { createPreviewApplication as createPreviewApp } from '../../apps/api/src/application';
import { isBoundaryPublicRoute } from '../../apps/api/src/http/http-boundary';
import { OPENAPI_FILE, renderOpenApiDocument } from '../../apps/api/src/bootstrap/openapi.cli';
import { PipelineProbeModule } from '../support/pipeline-probe.module';
import { describePolicy, listRouteDeclarations } from '../support/route-inventory';

/**
 * Deny by default, made reviewable: every route declares who may call it, and the
 * snapshot of all declarations changes in the same diff as any access change.
 */
describe('route access inventory', () => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await createPreviewApp();
  });
  afterAll(() => app.close());

  it('every registered route declares who may call it', () => {
    const routes = listRouteDeclarations(app);
    expect(routes.length).toBeGreaterThan(0);
    expect(routes.filter((route) => !route.policy).map((route) => route.route)).toEqual([]);
  });

  it('gives the gate the declaration the inventory reads, on every route (class-level ones included)', () => {
    const routes = listRouteDeclarations(app);
    const differing = routes.filter(
      (route) => !isDeepStrictEqual(route.gate, { policy: route.policy, stepUp: route.policy?.kind === 'admin' && route.stepUp }),
    );
    expect(differing.map((route) => route.route)).toEqual([]);
    expect(routes.filter((route) => route.stepUp).length).toBeGreaterThan(0);
  });

  it('leaves the paths the boundary serves itself (docs, CORS preflights) to the boundary', () => {
    const taken = listRouteDeclarations(app).filter((route) => {
      const [method, url] = route.route.split(' ');
      return isBoundaryPublicRoute({ method: method as 'GET', url: url! });
    });
    expect(taken.map((route) => route.route)).toEqual([]);
    expect(isBoundaryPublicRoute({ method: 'GET', url: '/docs/swagger-ui.css' })).toBe(true);
    expect(isBoundaryPublicRoute({ method: 'OPTIONS', url: '*' })).toBe(true);
    expect(isBoundaryPublicRoute({ method: 'GET', url: '*' })).toBe(false);
    expect(isBoundaryPublicRoute({ method: 'GET', url: '/docsx' })).toBe(false);
  });

  it('audits every authenticated mutation (which is also what gives it its transaction)', async () => {
    const withProbe = await createPreviewApp([PipelineProbeModule]);
    try {
      const unaudited = listRouteDeclarations(withProbe).filter(
        (route) => route.policy && route.policy.kind !== 'public' && !route.route.startsWith('GET ') && !route.audited,
      );
      expect(unaudited.map((route) => route.route)).toEqual([]);
    } finally {
      await withProbe.close();
    }
  });

  it('matches the reviewed snapshot of declarations [V8.1.1]', () => {
    expect(
      listRouteDeclarations(app).map(
        (route) =>
          `${route.route} -> ${describePolicy(route.policy, route.stepUp)}${route.audited ? ` [audited ${route.audited}]` : ''}${route.unlimited ? ' [not rate-limited]' : ''}`,
      ),
    ).toMatchSnapshot();
  });

  it('catches a route that declares nothing', async () => {
    const withProbe = await createPreviewApp([PipelineProbeModule]);
    try {
      const undeclared = listRouteDeclarations(withProbe).filter((route) => !route.policy);
      expect(undeclared.map((route) => route.route)).toEqual(['GET /probe/undeclared']);
      expect(undeclared[0]!.gate).toBeUndefined();
    } finally {
      await withProbe.close();
    }
  });

  it('the committed OpenAPI document is current (npm run openapi)', async () => {
    expect(readFileSync(OPENAPI_FILE, 'utf8')).toBe(await renderOpenApiDocument());
  });
});
