import { defineProblems } from '@ringfence/problems';

/** What the vault answers beyond NOT_FOUND (docs/adr/0009-vault.md). */
export const VaultProblems = defineProblems({
  VAULT_FULL: { status: 422, detail: 'This vault holds its maximum number of secrets.' },
  SECRET_EXISTS: { status: 409, detail: 'A secret with this name exists; add a version to it instead.' },
});
