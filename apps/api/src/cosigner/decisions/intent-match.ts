import { compareDecimals, parseDecimal } from '../policy/decimal';
import { destinationKey } from '../policy/policy-document';
import type { TransferFacts } from '../policy/policy-engine';

/** What a workspace asked the provider to move (a transfer intent), as the callback must repeat it. */
export interface TransferIntent {
  readonly asset: string;
  /** A plain decimal string. */
  readonly amount: string;
  readonly source: { readonly type: string; readonly id?: string };
  /** A whitelisted id (with its type), or an address (a one-time address). */
  readonly destination: { readonly type?: string; readonly id?: string; readonly address?: string };
}

/**
 * The first field in which a signing request differs from the intent it names, or
 * undefined when it asks for exactly what was submitted: the same asset, the same amount
 * (exactly), the same source, and one destination, the intent's (its address compared as
 * the policy compares addresses, EVM case-insensitively). A request the provider built
 * from anything else (an edited amount, a second destination) is not the workspace's.
 */
export function intentMismatch(intent: TransferIntent, facts: TransferFacts): string | undefined {
  if (facts.asset !== intent.asset) return 'asset';
  const amount = parseDecimal(intent.amount);
  if (!amount || !facts.amount || compareDecimals(amount, facts.amount) !== 0) return 'amount';
  if (facts.source?.type !== intent.source.type) return 'source';
  if (intent.source.id !== undefined && facts.source?.id !== intent.source.id) return 'source';
  if (facts.destinations.length !== 1) return 'destination';
  const [destination] = facts.destinations;
  const wanted = intent.destination;
  if (wanted.type !== undefined && destination!.type !== wanted.type) return 'destination';
  if (wanted.id !== undefined && destination!.id !== wanted.id) return 'destination';
  if (wanted.address !== undefined) {
    if (destination!.address === undefined || destinationKey(destination!.address) !== destinationKey(wanted.address)) return 'destination';
  }
  return undefined;
}
