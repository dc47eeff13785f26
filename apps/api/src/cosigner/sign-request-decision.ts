import type { CallbackAnswer } from './protocol/callback-answer';
import type { SignRequest } from './protocol/sign-request';
import type { PolicyDocument } from './policy/policy-document';
import { decide, PolicyDecision, WindowUsage } from './policy/policy-engine';

/**
 * A verified signing request decided: a field the provider sent but we could not read (a
 * contradicted amount, a malformed destination list, an operation that is not a string)
 * is a REJECT naming it whatever the policy says, because no rule may approve what was not
 * read; a workspace without an active policy rejects everything; otherwise the policy
 * decides.
 */
export function decideSignRequest(
  policy: PolicyDocument | undefined,
  request: SignRequest,
  usage: (rule: number, asset: string) => WindowUsage,
): PolicyDecision {
  if (request.unreadable !== undefined) return { action: 'REJECT', reason: `unreadable_field:${request.unreadable}` };
  if (!policy) return { action: 'REJECT', reason: 'no_active_policy' };
  return decide(policy, request.facts, usage);
}

/** The answer a decision gives the provider: a REJECT says why, in our reason's words. */
export function callbackAnswerOf(decision: PolicyDecision, requestId: string): CallbackAnswer {
  return decision.action === 'APPROVE'
    ? { action: 'APPROVE', requestId }
    : { action: 'REJECT', requestId, rejectionReason: decision.reason };
}
