import { defineProblems } from '@ringfence/problems';

/** What reading the audit trail answers (docs/adr/0007-audit-ring.md). */
export const AuditProblems = defineProblems({
  INVALID_CURSOR: { status: 400, detail: 'The cursor is not one this API gave out.' },
  /** A key's audit view is its own workspace's, whatever the query says. */
  WORKSPACE_FROM_KEY: { status: 400, detail: 'A key reads its own workspace; leave out workspaceId.' },
});
