import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SchemaObject, SwaggerModule } from '@nestjs/swagger';
import { PROBLEM_CONTENT_TYPE, ProblemKind } from '@ringfence/problems';
import { ProblemResponse } from './problem.schema';

const PROBLEM_REF = { $ref: '#/components/schemas/ProblemResponse' };

/**
 * The OpenAPI 3 document of every route; every operation also documents its problem
 * responses, and a problem's `code` is one of `problems` (the app's catalogue, passed in:
 * the catalogue imports the features, which import this folder's decorators).
 */
export function buildOpenApiDocument(app: INestApplication, problems: readonly ProblemKind[]): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Ringfence API')
    .setDescription('The custody control plane. Every error is RFC 9457 problem JSON with `code` and `requestId`.')
    .setVersion('0.1.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Admin access token' }, 'admin')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'rf_live_… / rf_test_…', description: 'Workspace API key' }, 'apiKey')
    .build();
  const document = SwaggerModule.createDocument(app, config, { extraModels: [ProblemResponse] });
  const code = (document.components?.schemas?.[ProblemResponse.name] as SchemaObject).properties!.code as SchemaObject;
  code.enum = problems.map((problem) => problem.code);
  for (const path of Object.values(document.paths)) {
    for (const operation of Object.values(path as Record<string, unknown>)) {
      if (typeof operation !== 'object' || operation === null || !('responses' in operation)) continue;
      const responses = (operation as { responses: Record<string, unknown> }).responses;
      for (const response of Object.values(responses) as { content?: Record<string, unknown> }[]) {
        const json = response.content?.['application/json'] as { schema?: { $ref?: string } } | undefined;
        if (json?.schema?.$ref === PROBLEM_REF.$ref && response.content) {
          response.content = { [PROBLEM_CONTENT_TYPE]: json };
        }
      }
      responses['default'] ??= { description: 'Problem details', content: { [PROBLEM_CONTENT_TYPE]: { schema: PROBLEM_REF } } };
    }
  }
  return document;
}

export function serveOpenApi(app: INestApplication, document: OpenAPIObject): void {
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml' });
}
