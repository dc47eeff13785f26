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
import type { BoundaryProblems } from './openapi/openapi-document';

/**
 * The problems answered before any handler, by what a route has (the OpenAPI document puts
 * them on each operation): every route, the limited ones (all but the health probes), a
 * body, a query or path parameter, an admin's token, an API key.
 */
export const BOUNDARY_PROBLEMS: BoundaryProblems = {
  everywhere: [RequestProblems.INTERNAL],
  limited: [LimitProblems.RATE_LIMITED, LimitProblems.RATE_LIMITS_UNAVAILABLE, DatabaseProblems.DATABASE_UNAVAILABLE],
  body: [
    RequestProblems.VALIDATION_FAILED,
    HttpBoundaryProblems.MALFORMED_JSON,
    HttpBoundaryProblems.INVALID_ENCODING,
    HttpBoundaryProblems.BODY_TOO_COMPLEX,
    HttpBoundaryProblems.PAYLOAD_TOO_LARGE,
    HttpBoundaryProblems.UNSUPPORTED_MEDIA_TYPE,
  ],
  parameters: [RequestProblems.VALIDATION_FAILED],
  admin: [AccessProblems.UNAUTHENTICATED, AccessProblems.INSUFFICIENT_ROLE, AccessProblems.ACCOUNT_SETUP_REQUIRED],
  apiKey: [AccessProblems.UNAUTHENTICATED, AccessProblems.INSUFFICIENT_SCOPE],
};

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
