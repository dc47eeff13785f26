import 'reflect-metadata';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPreviewApplication } from '../application';
import { buildOpenApiDocument } from '../openapi/openapi-document';
import { BOUNDARY_PROBLEMS, PROBLEM_CATALOGUE } from '../problem-catalogue';

export const OPENAPI_FILE = join(__dirname, '..', '..', 'openapi.json');

/** The document as the code declares it; preview mode builds routes without a database. */
export async function renderOpenApiDocument(): Promise<string> {
  const app = await createPreviewApplication();
  try {
    return `${JSON.stringify(buildOpenApiDocument(app, PROBLEM_CATALOGUE, BOUNDARY_PROBLEMS), null, 2)}\n`;
  } finally {
    await app.close();
  }
}

async function main(): Promise<void> {
  const mode = process.argv[2] ?? 'check';
  const rendered = await renderOpenApiDocument();
  if (mode === 'write') {
    writeFileSync(OPENAPI_FILE, rendered);
    console.log(`wrote ${OPENAPI_FILE}`);
    return;
  }
  let committed = '';
  try {
    committed = readFileSync(OPENAPI_FILE, 'utf8');
  } catch {
    // a missing file is drift too
  }
  if (committed !== rendered) {
    console.error('apps/api/openapi.json is stale: run `npm run openapi` and commit the result');
    process.exit(1);
  }
  console.log('apps/api/openapi.json is up to date');
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  });
}
