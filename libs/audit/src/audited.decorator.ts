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
