import { defineProblems } from '@ringfence/problems';

/** What the workspaces feature answers: plans, origins, and the rules for making API keys (docs/adr/0005-api-keys.md). */
export const WorkspaceProblems = defineProblems({
  /** Each occurrence names the configured plans. */
  UNKNOWN_PLAN: { status: 400, detail: 'Unknown plan.' },
  ORIGIN_NOT_ALLOWED: { status: 403, detail: "This origin is not among the workspace's allowed origins." },
  WILDCARD_KEY_REFUSED: { status: 403, detail: 'Keys without scopes cannot be created.' },
  EXPIRY_BEYOND_CALLER: { status: 403, detail: 'A key cannot make a key that outlives it.' },
});
