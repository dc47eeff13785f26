import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SchemaObject, SwaggerModule } from '@nestjs/swagger';
import type { OperationObject, ParameterObject, ResponseObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { PROBLEM_CONTENT_TYPE, ProblemKind } from '@ringfence/problems';
import { ProblemResponse } from './problem.schema';

/** A schema's public name: its class's without the `Dto` suffix (`WorkspaceDto` → `Workspace`), and these two by hand. */
const SCHEMA_RENAMES: Readonly<Record<string, string>> = { ProblemResponse: 'Problem', InvalidFieldSchema: 'InvalidField' };
export function publicSchemaName(className: string): string {
  return SCHEMA_RENAMES[className] ?? className.replace(/Dto$/, '');
}

const PROBLEM_REF = `#/components/schemas/${publicSchemaName(ProblemResponse.name)}`;
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** The headers every answer (or every limited one) carries, documented once under `components.headers`. */
const HEADERS = {
  'X-Request-Id': {
    description:
      "The request's id, as in a problem's `requestId`, the log line and the audit row: the client's own `X-Request-Id` when it sent a well-formed one (8 to 128 of `A-Za-z0-9._:-`), else the server's.",
    schema: { type: 'string' },
  },
  RateLimit: {
    description:
      'The limit this request was counted against, as the IETF draft "RateLimit header fields for HTTP" states it: `"<policy>";r=<remaining>;t=<seconds until the window frees a request>` (policies: `ip` per client address, `key` per API key; a refusal names the exhausted limit, which may be `workspace`).',
    schema: { type: 'string', example: '"key";r=598;t=60' },
  },
  'RateLimit-Policy': {
    description:
      'The quota policy behind `RateLimit`, per the same draft: `"<policy>";q=<requests>;w=<window in seconds>` (a sliding window).',
    schema: { type: 'string', example: '"key";q=600;w=60' },
  },
  'Retry-After': {
    description: 'Seconds to wait before retrying (RFC 9110).',
    schema: { type: 'integer', minimum: 0 },
  },
  'Idempotent-Replayed': {
    description: 'Present, `true`, on an answer replayed from an earlier request with the same `Idempotency-Key`.',
    schema: { type: 'string', enum: ['true'] },
  },
} as const;
const headerRef = (name: keyof typeof HEADERS) => ({ $ref: `#/components/headers/${name}` });

/** The optional request header a client may send to correlate its logs with ours. */
const REQUEST_ID_PARAMETER: ParameterObject = {
  name: 'X-Request-Id',
  in: 'header',
  required: false,
  description: 'Your id for this request (8 to 128 of `A-Za-z0-9._:-`): echoed back and kept beside ours in the log line.',
  schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{7,127}$' },
};

/**
 * The OpenAPI 3 document of every route. Beyond what the decorators say, every operation
 * gets here: its explicit `operationId` (`workspaces.create`; the factory's fallback,
 * `Controller.method`, is what the document's spec refuses), the problems the boundary,
 * the gate and the limits answer before any handler (each code under its status, with the
 * problem schema), the `X-Request-Id`, `RateLimit`, `RateLimit-Policy`, `Retry-After` and
 * `Idempotent-Replayed` headers, and schema names without `Dto`. A problem's `code` is one
 * of `problems` (the app's catalogue, passed in: the catalogue imports the features, which
 * import this folder's decorators).
 */
/** The problems answered before any handler, by what a route has (problem-catalogue.ts's BOUNDARY_PROBLEMS). */
export interface BoundaryProblems {
  readonly everywhere: readonly ProblemKind[];
  /** Every route but the health probes (`@SkipRateLimits()`). */
  readonly limited: readonly ProblemKind[];
  readonly body: readonly ProblemKind[];
  readonly parameters: readonly ProblemKind[];
  readonly admin: readonly ProblemKind[];
  readonly apiKey: readonly ProblemKind[];
}

export function buildOpenApiDocument(app: INestApplication, problems: readonly ProblemKind[], boundary: BoundaryProblems): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Ringfence API')
    .setDescription(
      'The custody control plane. Every error is RFC 9457 problem JSON with `code` and `requestId`. ' +
        "Lists page with `limit` and `cursor` (the previous page's `nextCursor`); an unknown field or query parameter is a 400.",
    )
    .setVersion('0.1.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Admin access token' }, 'admin')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'rf_live_… / rf_test_…', description: 'Workspace API key' }, 'apiKey')
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    extraModels: [ProblemResponse],
    operationIdFactory: (controller, method) => `${controller}.${method}`,
  });
  const code = (document.components?.schemas?.[ProblemResponse.name] as SchemaObject).properties!.code as SchemaObject;
  code.enum = problems.map((problem) => problem.code);
  const byCode = new Map(problems.map((problem) => [problem.code, problem]));
  document.components!.headers = { ...HEADERS } as never;
  for (const path of Object.values(document.paths)) {
    for (const method of HTTP_METHODS) {
      const operation = path[method];
      if (operation) completeOperation(operation, boundary, byCode);
    }
  }
  return renameSchemas(document);
}

function completeOperation(operation: OperationObject, boundary: BoundaryProblems, byCode: ReadonlyMap<string, ProblemKind>): void {
  const responses = operation.responses as Record<string, ResponseObject>;
  for (const response of Object.values(responses)) {
    const json = response.content?.['application/json'];
    if ((json?.schema as { $ref?: string } | undefined)?.$ref === `#/components/schemas/${ProblemResponse.name}` && json) {
      response.content = { [PROBLEM_CONTENT_TYPE]: json };
    }
  }
  // The probes and the metrics scrape are never rate-limited (@SkipRateLimits): no limit's problems or headers.
  const health = operation.operationId?.startsWith('health.') === true || operation.operationId === 'metrics.scrape';
  const security = (operation.security ?? []).flatMap((requirement) => Object.keys(requirement));
  const parameters = (operation.parameters ?? []) as ParameterObject[];
  const implicit = [...boundary.everywhere];
  if (!health) implicit.push(...boundary.limited);
  if (operation.requestBody) implicit.push(...boundary.body);
  if (parameters.some((parameter) => parameter.in === 'query' || parameter.in === 'path')) implicit.push(...boundary.parameters);
  if (security.includes('admin')) implicit.push(...boundary.admin);
  if (security.includes('apiKey')) implicit.push(...boundary.apiKey);
  addProblems(responses, implicit);
  for (const [status, response] of Object.entries(responses)) {
    if (status === 'default' || /^[2-3]/.test(status)) continue;
    // A documented status without the problem schema (a description alone) gets it, codes unknown.
    response.content ??= { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: PROBLEM_REF } } };
  }
  responses['default'] ??= { description: 'Problem details', content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: PROBLEM_REF } } } };

  const idempotent = parameters.some((parameter) => parameter.in === 'header' && parameter.name === 'Idempotency-Key');
  for (const [status, response] of Object.entries(responses)) {
    const headers: Record<string, unknown> = { ...(response.headers ?? {}), 'X-Request-Id': headerRef('X-Request-Id') };
    if (!health && (/^2/.test(status) || status === '429')) {
      headers['RateLimit'] = headerRef('RateLimit');
      headers['RateLimit-Policy'] = headerRef('RateLimit-Policy');
    }
    // A problem that names its delay (every 429 and 503, and a key still in flight) sends `Retry-After`.
    if (status === '429' || status === '503' || codesOf(response).some((name) => byCode.get(name)?.retryAfterSeconds !== undefined)) {
      headers['Retry-After'] = headerRef('Retry-After');
    }
    if (idempotent && /^2/.test(status)) headers['Idempotent-Replayed'] = headerRef('Idempotent-Replayed');
    response.headers = headers as ResponseObject['headers'];
  }
  operation.parameters = [...(operation.parameters ?? []), REQUEST_ID_PARAMETER];
}

/** Adds `kinds` to the operation's responses: each under its status, beside the codes already documented there. */
function addProblems(responses: Record<string, ResponseObject>, kinds: readonly ProblemKind[]): void {
  const byStatus = new Map<number, ProblemKind[]>();
  for (const kind of kinds) {
    const sharing = byStatus.get(kind.status) ?? [];
    if (!sharing.includes(kind)) byStatus.set(kind.status, [...sharing, kind]);
  }
  for (const [status, sharing] of byStatus) {
    const existing = responses[String(status)];
    const codes = existing ? codesOf(existing) : [];
    const added = sharing.filter((kind) => !codes.includes(kind.code));
    if (added.length === 0) continue;
    const links = added.map((kind) => `[${kind.code}](${kind.type})`).join(', ');
    responses[String(status)] = {
      description: existing?.description ? `${existing.description}; ${links}` : links,
      content: {
        [PROBLEM_CONTENT_TYPE]: {
          schema: {
            allOf: [
              { $ref: PROBLEM_REF },
              { type: 'object', properties: { code: { type: 'string', enum: [...codes, ...added.map((kind) => kind.code)] } } },
            ],
          },
        },
      },
    };
  }
}

/** The codes a problem response narrows its `code` to (none: not narrowed). */
export function codesOf(response: ResponseObject): string[] {
  const schema = response.content?.[PROBLEM_CONTENT_TYPE]?.schema as
    { allOf?: { properties?: { code?: { enum?: string[] } } }[] } | undefined;
  return schema?.allOf?.flatMap((part) => part.properties?.code?.enum ?? []) ?? [];
}

/** Schema names without `Dto`, every reference rewritten; two classes that would share a name stop the build. */
function renameSchemas(document: OpenAPIObject): OpenAPIObject {
  const schemas = document.components?.schemas ?? {};
  const renames = new Map<string, string>();
  for (const name of Object.keys(schemas)) {
    const renamed = publicSchemaName(name);
    if (renamed !== name && (schemas[renamed] !== undefined || [...renames.values()].includes(renamed))) {
      throw new Error(`OpenAPI schema ${name} would be renamed ${renamed}, which another schema is called`);
    }
    renames.set(name, renamed);
  }
  const text = JSON.stringify(document).replace(/"#\/components\/schemas\/([A-Za-z0-9_.-]+)"/g, (_match, name: string) => {
    return JSON.stringify(`#/components/schemas/${renames.get(name) ?? name}`);
  });
  const renamed = JSON.parse(text) as OpenAPIObject;
  renamed.components!.schemas = Object.fromEntries(
    Object.entries(renamed.components!.schemas ?? {}).map(([name, schema]) => [renames.get(name) ?? name, schema]),
  );
  return renamed;
}

export function serveOpenApi(app: INestApplication, document: OpenAPIObject): void {
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml' });
}
