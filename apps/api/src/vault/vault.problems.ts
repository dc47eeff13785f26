import { defineProblems } from '@ringfence/problems';

/** What the vault answers beyond NOT_FOUND (docs/adr/0009-vault.md). */
export const VaultProblems = defineProblems({
  /** Its title is Bad Request, as it was before the catalogue (the status table then had no 422): clients have seen it so. */
  VAULT_FULL: { status: 422, title: 'Bad Request', detail: 'This vault holds its maximum number of secrets.' },
  SECRET_EXISTS: { status: 409, detail: 'A secret with this name exists; add a version to it instead.' },
});
