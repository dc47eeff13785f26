import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPreviewApplication } from '../application';
import { buildOpenApiDocument } from '../openapi/openapi-document';
import { BOUNDARY_PROBLEMS, PROBLEM_CATALOGUE } from '../problem-catalogue';

export const OPENAPI_FILE = join(__dirname, '..', '..', 'openapi.json');
const ROOT = join(__dirname, '..', '..', '..', '..');
/** The admin console's API types, generated from the document (apps/console/src/api/client.ts uses them). */
export const CONSOLE_API_TYPES = join(ROOT, 'apps', 'console', 'src', 'api', 'ringfence-api.d.ts');

/** openapi-typescript's output for a document, as the console commits it. */
export function renderConsoleTypes(document: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ringfence-openapi-'));
  try {
    const input = join(dir, 'openapi.json');
    const output = join(dir, 'ringfence-api.d.ts');
    writeFileSync(input, document);
    // A property with a default is optional to send: openapi-typescript's default would make it required in request bodies.
    execFileSync(
      process.execPath,
      [join(ROOT, 'node_modules', 'openapi-typescript', 'bin', 'cli.js'), input, '--default-non-nullable', 'false', '-o', output],
      {
        stdio: 'pipe',
      },
    );
    return readFileSync(output, 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function readOrEmpty(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return ''; // a missing file is drift too
  }
}

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
  const types = renderConsoleTypes(rendered);
  if (mode === 'write') {
    writeFileSync(OPENAPI_FILE, rendered);
    writeFileSync(CONSOLE_API_TYPES, types);
    console.log(`wrote ${OPENAPI_FILE} and ${CONSOLE_API_TYPES}`);
    return;
  }
  const stale = [
    ...(readOrEmpty(OPENAPI_FILE) === rendered ? [] : ['apps/api/openapi.json']),
    ...(readOrEmpty(CONSOLE_API_TYPES) === types ? [] : ['apps/console/src/api/ringfence-api.d.ts']),
  ];
  if (stale.length > 0) {
    console.error(`${stale.join(' and ')} ${stale.length > 1 ? 'are' : 'is'} stale: run \`npm run openapi\` and commit the result`);
    process.exit(1);
  }
  console.log('apps/api/openapi.json and the console client types are up to date');
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  });
}
