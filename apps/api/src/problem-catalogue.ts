import { AccessProblems } from '@ringfence/access';
import { AuditProblems } from '@ringfence/audit';
import { LimitProblems } from '@ringfence/limits';
import { problemCatalogue, RequestProblems } from '@ringfence/problems';
import { DatabaseProblems } from '@ringfence/tenancy';
import { AdminIdentityProblems } from './admin-identity/admin-identity.problems';
import { CosignerProblems } from './cosigner/cosigner.problems';
import { HealthProblems } from './health/health.problems';
import { HttpBoundaryProblems } from './http/http-boundary.problems';
import { IdempotencyProblems } from './idempotency/idempotency.problems';
import { VaultProblems } from './vault/vault.problems';
import { WebhookProblems } from './webhooks/webhooks.problems';
import { ApiKeyProblems } from './workspaces/api-keys/api-keys.problems';
import { WorkspaceProblems } from './workspaces/workspaces.problems';

/**
 * Every problem this API answers, ordered by code: the OpenAPI document lists these codes,
 * the catalogue snapshot records them, and docs/problems/ has a page for each. A feature's
 * new catalogue is added here (the catalogue spec fails on one that is not).
 */
export const PROBLEM_CATALOGUE = problemCatalogue(
  RequestProblems,
  HttpBoundaryProblems,
  AccessProblems,
  LimitProblems,
  DatabaseProblems,
  AdminIdentityProblems,
  WorkspaceProblems,
  ApiKeyProblems,
  VaultProblems,
  CosignerProblems,
  IdempotencyProblems,
  WebhookProblems,
  AuditProblems,
  HealthProblems,
);
