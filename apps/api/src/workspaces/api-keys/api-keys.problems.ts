import { defineProblems } from '@ringfence/problems';

/** What making an API key answers beyond the gate's refusals (docs/adr/0005-api-keys.md). */
export const ApiKeyProblems = defineProblems({
  WILDCARD_KEY_REFUSED: { status: 403, detail: 'Keys without scopes cannot be created.' },
  EXPIRY_BEYOND_CALLER: { status: 403, detail: 'A key cannot make a key that outlives it.' },
});
