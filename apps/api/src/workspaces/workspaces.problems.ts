import { defineProblems } from '@ringfence/problems';

/** What the workspaces feature answers: plans and allowed origins. */
export const WorkspaceProblems = defineProblems({
  /** Each occurrence names the configured plans. */
  UNKNOWN_PLAN: { status: 400, detail: 'Unknown plan.' },
  ORIGIN_NOT_ALLOWED: { status: 403, detail: "This origin is not among the workspace's allowed origins." },
});
