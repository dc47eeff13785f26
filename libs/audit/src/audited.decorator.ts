import { applyDecorators, SetMetadata, UseInterceptors } from '@nestjs/common';
import { RequestTransactionInterceptor } from '@ringfence/tenancy';

export const AUDITED_ACTION = 'ringfence:audited-action';
const ACTION = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;

/**
 * The route's mutation is audited as `action` (`resource.verb`), its row written in the
 * request's transaction before commit. It brings that transaction: the route's change
 * and its audit row commit or roll back together, whoever the caller is.
 */
export function Audited(action: string): MethodDecorator {
  if (!ACTION.test(action)) throw new Error(`audit action "${action}" is not of the form resource.verb`);
  return applyDecorators(SetMetadata(AUDITED_ACTION, action), UseInterceptors(RequestTransactionInterceptor));
}

export const AUDITED_IN_SERVICE = 'ringfence:audited-in-service';

/**
 * The route's mutation is audited as `action` by its service, in transactions the service
 * runs itself rather than the request's: for a caller whose workspace is known only once
 * its request has been read (the custody provider's callbacks, which find it in the signed
 * payload and decide as it). No request transaction; the route inventory lists it as audited.
 */
export function AuditedInService(action: string): MethodDecorator {
  if (!ACTION.test(action)) throw new Error(`audit action "${action}" is not of the form resource.verb`);
  return SetMetadata(AUDITED_IN_SERVICE, action);
}
