import { SetMetadata } from '@nestjs/common';

export const AUDITED_ACTION = 'ringfence:audited-action';
const ACTION = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;

/** The route's mutation is audited as `action` (`resource.verb`) in its own transaction. */
export function Audited(action: string): MethodDecorator {
  if (!ACTION.test(action)) throw new Error(`audit action "${action}" is not of the form resource.verb`);
  return SetMetadata(AUDITED_ACTION, action);
}
