import { KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';

/** What the co-signer may answer; IGNORE only to approval requests. */
export type CallbackAction = 'APPROVE' | 'REJECT' | 'RETRY' | 'IGNORE';

export interface CallbackAnswer {
  readonly action: CallbackAction;
  readonly requestId: string;
  readonly rejectionReason?: string;
}

/**
 * The answer's body: a compact JWS, RS256 with our response key, of exactly
 * `{ action, requestId, rejectionReason? }` (no timestamp). RS256 is deterministic, so the
 * same answer signed with the same key is the same bytes: a stored answer replays verbatim.
 */
export function signCallbackAnswer(answer: CallbackAnswer, privateKey: KeyObject, kid: string): string {
  const payload: Record<string, string> = { action: answer.action, requestId: answer.requestId };
  if (answer.rejectionReason !== undefined) payload['rejectionReason'] = answer.rejectionReason;
  return jwt.sign(payload, privateKey, { algorithm: 'RS256', noTimestamp: true, keyid: kid });
}
