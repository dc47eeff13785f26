import { readFileSync } from 'node:fs';
import { OPENAPI_FILE, renderOpenApiDocument } from '../../apps/api/src/bootstrap/openapi.cli';
import { PROBLEM_CATALOGUE } from '../../apps/api/src/problem-catalogue';

interface Response {
  description?: string;
  content?: Record<string, { schema?: { $ref?: string; allOf?: { $ref?: string; properties?: { code?: { enum?: string[] } } }[] } }>;
  headers?: Record<string, { $ref?: string }>;
}
interface Operation {
  operationId?: string;
  summary?: string;
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; required?: boolean }[];
  responses: Record<string, Response>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown>; headers: Record<string, unknown> };
}

const PROBLEM_JSON = 'application/problem+json';

/** What a client generator reads: apps/api/openapi.json, as the code declares it (the committed file is checked the same). */
describe('the OpenAPI document', () => {
  let document: Document;
  const operations = (): [string, Operation][] =>
    Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]): [string, Operation] => [`${method.toUpperCase()} ${path}`, operation]),
    );

  beforeAll(async () => {
    const rendered = await renderOpenApiDocument();
    document = JSON.parse(rendered) as Document;
    expect(readFileSync(OPENAPI_FILE, 'utf8')).toBe(rendered);
  });

  it('gives every operation a summary and a stable, unique operationId (resource.verb, never Controller_method) [API9:2023]', () => {
    const ids = operations().map(([route, operation]) => {
      expect({ route, summary: typeof operation.summary === 'string' && operation.summary.length > 0 }).toEqual({ route, summary: true });
      expect({ route, operationId: operation.operationId }).toEqual({
        route,
        operationId: expect.stringMatching(/^[a-z][A-Za-z]*(\.[a-z][A-Za-z]*)+$/),
      });
      return operation.operationId!;
    });
    expect(ids.length).toBeGreaterThan(80);
    expect(new Set(ids).size).toBe(ids.length);
    expect(document.paths['/v1/admin/workspaces']!['post']!.operationId).toBe('workspaces.create');
  });

  it('names only the security schemes it defines: the audit routes admit an admin token or a key, verify an admin token', () => {
    const schemes = Object.keys(document.components.securitySchemes);
    for (const [route, operation] of operations()) {
      for (const requirement of operation.security ?? []) {
        for (const name of Object.keys(requirement)) expect({ route, scheme: schemes.includes(name) }).toEqual({ route, scheme: true });
      }
    }
    expect(document.paths['/v1/audit/events']!['get']!.security).toEqual(expect.arrayContaining([{ admin: [] }, { apiKey: [] }]));
    expect(document.paths['/v1/audit/verify']!['get']!.security).toEqual([{ admin: [] }]);
  });

  it('documents every error answer as problem JSON, each status with its catalogued codes of that status', () => {
    const statusOf = new Map(PROBLEM_CATALOGUE.map((problem) => [problem.code, problem.status]));
    for (const [route, operation] of operations()) {
      for (const [status, response] of Object.entries(operation.responses)) {
        if (/^[23]/.test(status)) continue;
        expect({ route, status, media: Object.keys(response.content ?? {}) }).toEqual({ route, status, media: [PROBLEM_JSON] });
        const schema = response.content![PROBLEM_JSON]!.schema!;
        if (status === 'default') {
          expect(schema.$ref).toBe('#/components/schemas/Problem');
          continue;
        }
        expect(schema.allOf?.[0]?.$ref).toBe('#/components/schemas/Problem');
        const codes = schema.allOf?.[1]?.properties?.code?.enum ?? [];
        expect({ route, status, documented: codes.length > 0 }).toEqual({ route, status, documented: true });
        for (const code of codes) expect({ route, code, status: statusOf.get(code) }).toEqual({ route, code, status: Number(status) });
      }
    }
  });

  it('documents the gate and the limits on every route they guard: 401 and 403 with a credential, 429 with its headers [API9:2023]', () => {
    const codes = (operation: Operation, status: string): string[] =>
      operation.responses[status]?.content?.[PROBLEM_JSON]?.schema?.allOf?.[1]?.properties?.code?.enum ?? [];
    for (const [route, operation] of operations()) {
      const schemes = (operation.security ?? []).flatMap((requirement) => Object.keys(requirement));
      if (schemes.includes('admin')) {
        expect({ route, codes: codes(operation, '403') }).toEqual({ route, codes: expect.arrayContaining(['INSUFFICIENT_ROLE']) });
      }
      if (schemes.includes('apiKey')) {
        expect({ route, codes: codes(operation, '403') }).toEqual({ route, codes: expect.arrayContaining(['INSUFFICIENT_SCOPE']) });
      }
      if (schemes.length > 0) expect({ route, codes: codes(operation, '401') }).toEqual({ route, codes: ['UNAUTHENTICATED'] });
      // The probes and the metrics scrape are never rate-limited.
      if (route.includes(' /health/') || route.endsWith(' /metrics')) continue;
      expect({ route, codes: codes(operation, '429') }).toEqual({ route, codes: expect.arrayContaining(['RATE_LIMITED']) });
      expect(Object.keys(operation.responses['429']!.headers ?? {}).sort()).toEqual([
        'RateLimit',
        'RateLimit-Policy',
        'Retry-After',
        'X-Request-Id',
      ]);
      const success = Object.entries(operation.responses).find(([status]) => status.startsWith('2'))!;
      expect({ route, headers: Object.keys(success[1].headers ?? {}) }).toEqual({
        route,
        headers: expect.arrayContaining(['X-Request-Id', 'RateLimit', 'RateLimit-Policy']),
      });
    }
  });

  it('documents X-Request-Id on every answer and as an optional request header, Idempotency-Key and its replay marker where they apply', () => {
    for (const [route, operation] of operations()) {
      for (const [status, response] of Object.entries(operation.responses)) {
        expect({ route, status, header: response.headers?.['X-Request-Id'] }).toEqual({
          route,
          status,
          header: { $ref: '#/components/headers/X-Request-Id' },
        });
      }
      expect(operation.parameters).toContainEqual(expect.objectContaining({ name: 'X-Request-Id', in: 'header', required: false }));
    }
    const transfer = document.paths['/v1/transfers']!['post']!;
    expect(transfer.parameters).toContainEqual(expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: true }));
    expect(Object.keys(transfer.responses['201']!.headers!)).toContain('Idempotent-Replayed');
    expect(Object.keys(document.components.headers).sort()).toEqual([
      'Idempotent-Replayed',
      'RateLimit',
      'RateLimit-Policy',
      'Retry-After',
      'X-Request-Id',
    ]);
  });

  it('names the export’s media types', () => {
    const answer = document.paths['/v1/audit/events/export']!['get']!.responses['200']!;
    expect(Object.keys(answer.content ?? {}).sort()).toEqual(['application/x-ndjson', 'text/csv']);
  });

  it('names its schemas without Dto, and every reference resolves', () => {
    const names = Object.keys(document.components.schemas);
    expect(names.filter((name) => /Dto$/.test(name))).toEqual([]);
    expect(names).toEqual(expect.arrayContaining(['Workspace', 'CreateWorkspace', 'Problem', 'InvalidField']));
    const references = [...JSON.stringify(document).matchAll(/"\$ref":"#\/components\/(schemas|headers)\/([^"]+)"/g)];
    expect(references.length).toBeGreaterThan(100);
    for (const [, kind, name] of references) {
      const defined = (document.components as unknown as Record<string, Record<string, unknown>>)[kind!]![name!];
      expect({ reference: `${kind}/${name}`, defined: defined !== undefined }).toEqual({ reference: `${kind}/${name}`, defined: true });
    }
  });
});
