import { applyDecorators, SetMetadata, UseInterceptors } from '@nestjs/common';
import { RequestTransactionInterceptor } from '@ringfence/tenancy';

export const AUDITED_ACTION = 'ringfence:audited-action';
const ACTION = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;

/**
 * The route's mutation is audited as `action` (`resource.verb`), its row written in the
 * request's transaction before commit. It brings that transaction itself, so a `@Public`
 * route cannot be audited by name and silently write nothing; on an authenticated route
 * the access decorator's interceptor already opened it and this one passes through.
 */
export function Audited(action: string): MethodDecorator {
  if (!ACTION.test(action)) throw new Error(`audit action "${action}" is not of the form resource.verb`);
  return applyDecorators(SetMetadata(AUDITED_ACTION, action), UseInterceptors(RequestTransactionInterceptor));
}
