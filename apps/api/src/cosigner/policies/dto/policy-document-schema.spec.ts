import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validatePolicy } from '../../policy/policy-document';

interface Schema {
  $ref?: string;
  type?: string;
  enum?: unknown[];
  example?: unknown;
  minimum?: number;
  items?: Schema;
  properties?: Record<string, Schema>;
  allOf?: Schema[];
}

const schemas = (
  JSON.parse(readFileSync(join(__dirname, '..', '..', '..', '..', 'openapi.json'), 'utf8')) as {
    components: { schemas: Record<string, Schema> };
  }
).components.schemas;

/** A value with every property the schema documents, from its examples. */
function sampleOf(schema: Schema): unknown {
  if (schema.$ref) return sampleOf(schemas[schema.$ref.replace('#/components/schemas/', '')]!);
  if (schema.allOf?.length === 1) return sampleOf(schema.allOf[0]!);
  if (schema.example !== undefined) return schema.example;
  if (schema.enum) return schema.enum[0];
  if (schema.type === 'array') return [sampleOf(schema.items!)];
  if (schema.type === 'number' || schema.type === 'integer') return schema.minimum ?? 1;
  if (schema.type === 'string') return 'W1';
  return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([name, property]) => [name, sampleOf(property)]));
}

/**
 * The policy document's OpenAPI schema (what the console's rule form is generated from)
 * documents only what validatePolicy takes: a document with every documented field filled
 * from the schema's examples is valid.
 */
describe('the PolicyDocument schema in openapi.json', () => {
  it('documents fields validatePolicy accepts, every one of them at once', () => {
    const document = sampleOf(schemas['PolicyDocument']!) as { rules: Record<string, unknown>[] };
    expect(Object.keys(document.rules[0]!)).toEqual(['name', 'action', 'match', 'caps']);
    expect(Object.keys(document.rules[0]!['match'] as object)).toEqual([
      'operations',
      'assets',
      'amount',
      'sources',
      'destinationTypes',
      'destinations',
      'timeOfDay',
    ]);
    expect(validatePolicy(document).errors).toBeUndefined();
  });

  it('is the schema of a draft written and of a version read', () => {
    const ref = { $ref: '#/components/schemas/PolicyDocument' };
    expect(schemas['SavePolicyDraft']!.properties!['document']).toMatchObject({ allOf: [ref] });
    expect(schemas['PolicyVersionDetail']!.properties!['document']).toMatchObject({ allOf: [ref] });
  });
});
