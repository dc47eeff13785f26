import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { PROBLEM_CONTENT_TYPE } from '@ringfence/problems';
import { ProblemResponse } from './problem.schema';

const PROBLEM_REF = { $ref: '#/components/schemas/ProblemResponse' };

/** The OpenAPI 3 document of every route; every operation also documents its problem responses. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Ringfence API')
    .setDescription('The custody control plane. Every error is RFC 9457 problem JSON with `code` and `requestId`.')
    .setVersion('0.1.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Admin access token' }, 'admin')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'rf_live_… / rf_test_…', description: 'Workspace API key' }, 'apiKey')
    .build();
  const document = SwaggerModule.createDocument(app, config, { extraModels: [ProblemResponse] });
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
