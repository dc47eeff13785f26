import { addDecimals, compareDecimals, Decimal, parseDecimal } from './decimal';
import { destinationKey, minutesOf, PolicyDocument, PolicyRule, RuleMatch } from './policy-document';

/**
 * What a signing request says, as the engine reads it: parsed defensively from the
 * provider's callback (a field it did not send is absent, never guessed). Pure data: the
 * engine touches no clock, database or key.
 */
export interface TransferFacts {
  /** Absent when the request's operation was present but unreadable. */
  readonly operation?: string;
  readonly asset?: string;
  readonly amount?: Decimal;
  readonly source?: { readonly type?: string; readonly id?: string };
  readonly destinations: readonly { readonly type?: string; readonly id?: string; readonly address?: string }[];
  readonly at: Date;
}

/** What an APPROVE rule's window has approved so far, for the request's asset. */
export interface WindowUsage {
  readonly sum: Decimal;
  readonly count: number;
}

/** An approval's claim on its rule's window, for the caller to record in the same transaction. */
export interface CapReservation {
  readonly rule: number;
  readonly asset: string;
  readonly amount: Decimal;
  readonly windowSeconds: number;
}

export type PolicyDecision =
  | {
      readonly action: 'APPROVE';
      readonly rule: number;
      readonly ruleName: string;
      readonly reason: 'rule_approved';
      readonly reservation?: CapReservation;
    }
  | { readonly action: 'REJECT'; readonly rule?: number; readonly ruleName?: string; readonly reason: string };

/** Why one rule did or did not decide: the explain route's answer. */
export interface RuleTrace {
  readonly rule: number;
  readonly name: string;
  /** `matched`, or the first condition that failed (`asset`, `amount`, …), or `missing:<field>`. */
  readonly outcome: string;
}

/**
 * Decides a request under a validated policy: the rules in order, the first that matches
 * decides; none matches → REJECT `no_rule_matched` (default deny). A field a rule's
 * condition needs and the request lacks is a REJECT `missing_field:<field>` at that rule,
 * never a pass to the next. An APPROVE rule's caps are checked against `usage` (what its
 * window has approved for this asset, read by the caller under a lock): over a cap is a
 * REJECT naming it.
 */
export function decide(policy: PolicyDocument, facts: TransferFacts, usage: (rule: number, asset: string) => WindowUsage): PolicyDecision {
  return evaluate(policy, facts, usage).decision;
}

/** The decision and, rule by rule up to the deciding one, why: spends nothing (the caller reserves nothing). */
export function explain(
  policy: PolicyDocument,
  facts: TransferFacts,
  usage: (rule: number, asset: string) => WindowUsage,
): { decision: PolicyDecision; trace: RuleTrace[] } {
  return evaluate(policy, facts, usage);
}

function evaluate(
  policy: PolicyDocument,
  facts: TransferFacts,
  usage: (rule: number, asset: string) => WindowUsage,
): { decision: PolicyDecision; trace: RuleTrace[] } {
  const trace: RuleTrace[] = [];
  for (const [index, rule] of policy.rules.entries()) {
    const outcome = mismatch(rule.match, rule.action, facts);
    trace.push({ rule: index, name: rule.name, outcome: outcome ?? 'matched' });
    if (outcome === undefined) return { decision: decided(index, rule, facts, usage), trace };
    if (outcome.startsWith('missing:')) {
      return {
        decision: { action: 'REJECT', rule: index, ruleName: rule.name, reason: `missing_field:${outcome.slice('missing:'.length)}` },
        trace,
      };
    }
  }
  return { decision: { action: 'REJECT', reason: 'no_rule_matched' }, trace };
}

function decided(
  index: number,
  rule: PolicyRule,
  facts: TransferFacts,
  usage: (rule: number, asset: string) => WindowUsage,
): PolicyDecision {
  const ruleName = rule.name;
  if (rule.action === 'REJECT') return { action: 'REJECT', rule: index, ruleName, reason: 'rule_rejected' };
  const caps = rule.caps;
  if (!caps) return { action: 'APPROVE', rule: index, ruleName, reason: 'rule_approved' };
  const reject = (reason: string): PolicyDecision => ({ action: 'REJECT', rule: index, ruleName, reason });
  // A capped rule needs what it caps, whether or not its match read it.
  if (facts.amount === undefined) return reject('missing_field:amount');
  if (facts.asset === undefined) return reject('missing_field:asset');
  if (caps.perTransactionMax !== undefined && compareDecimals(facts.amount, parseDecimal(caps.perTransactionMax)!) > 0) {
    return reject('cap_per_transaction');
  }
  if (!caps.window) return { action: 'APPROVE', rule: index, ruleName, reason: 'rule_approved' };
  const used = usage(index, facts.asset);
  if (caps.window.maxCount !== undefined && used.count + 1 > caps.window.maxCount) return reject('cap_window_count');
  if (caps.window.maxSum !== undefined && compareDecimals(addDecimals(used.sum, facts.amount), parseDecimal(caps.window.maxSum)!) > 0) {
    return reject('cap_window_sum');
  }
  return {
    action: 'APPROVE',
    rule: index,
    ruleName,
    reason: 'rule_approved',
    reservation: { rule: index, asset: facts.asset, amount: facts.amount, windowSeconds: caps.window.seconds },
  };
}

/**
 * The first condition of `match` the request fails (`missing:<field>` when it lacks what the condition reads), or undefined.
 * Destination conditions hold for an APPROVE rule when every destination is listed, for a REJECT rule when any is: a
 * multi-destination request never slips past a REJECT rule by adding a destination it does not name.
 */
function mismatch(match: RuleMatch, action: PolicyRule['action'], facts: TransferFacts): string | undefined {
  const all = <T>(list: readonly T[], test: (entry: T) => boolean) => (action === 'REJECT' ? list.some(test) : list.every(test));
  if (match.operations) {
    if (facts.operation === undefined) return 'missing:operation';
    if (!setOf(match.operations).has(facts.operation)) return 'operation';
  }
  if (match.assets) {
    if (facts.asset === undefined) return 'missing:asset';
    if (!setOf(match.assets).has(facts.asset)) return 'asset';
  }
  if (match.amount) {
    if (facts.amount === undefined) return 'missing:amount';
    const { min, max } = match.amount;
    if (min !== undefined && compareDecimals(facts.amount, parseDecimal(min)!) < 0) return 'amount';
    if (max !== undefined && compareDecimals(facts.amount, parseDecimal(max)!) > 0) return 'amount';
  }
  if (match.sources) {
    const source = facts.source;
    if (source?.type === undefined) return 'missing:source';
    if (!match.sources.some((allowed) => allowed.type === source.type && (allowed.id === undefined || allowed.id === source.id))) {
      // An entry of the request's type names an id the request lacks: the rule cannot tell, so it rejects here.
      if (source.id === undefined && match.sources.some((allowed) => allowed.type === source.type)) return 'missing:source';
      return 'source';
    }
  }
  if (match.destinationTypes || match.destinations) {
    if (facts.destinations.length === 0) return 'missing:destination';
  }
  if (match.destinationTypes) {
    const types = setOf(match.destinationTypes);
    if (facts.destinations.some((destination) => destination.type === undefined)) return 'missing:destination_type';
    if (!all(facts.destinations, (destination) => types.has(destination.type!))) return 'destination_type';
  }
  if (match.destinations) {
    const allowed = setOf(match.destinations, destinationKey);
    // A one-time address is no whitelisted wallet, and neither is a destination that does not
    // say its type: an APPROVE rule admits them by their address only, whatever id they carry
    // (a REJECT rule catches them by either).
    const byId = (destination: TransferFacts['destinations'][number]) =>
      destination.id !== undefined &&
      !(action === 'APPROVE' && (destination.type === undefined || destination.type === 'ONE_TIME_ADDRESS'));
    // A destination without its address, known by no id of a whitelisted wallet (none, or one
    // of a one-time address or of an untyped destination), cannot be checked here.
    const unknown = (destination: TransferFacts['destinations'][number]) =>
      destination.address === undefined &&
      (destination.id === undefined || destination.type === undefined || destination.type === 'ONE_TIME_ADDRESS');
    if (facts.destinations.some(unknown)) return 'missing:destination';
    const listed = (destination: TransferFacts['destinations'][number]) =>
      (byId(destination) && allowed.has(destinationKey(destination.id!))) ||
      (destination.address !== undefined && allowed.has(destinationKey(destination.address)));
    if (!all(facts.destinations, listed)) return 'destination';
  }
  if (match.timeOfDay) {
    const minute = facts.at.getUTCHours() * 60 + facts.at.getUTCMinutes();
    const from = minutesOf(match.timeOfDay.from);
    const to = minutesOf(match.timeOfDay.to);
    const inside = from < to ? minute >= from && minute < to : minute >= from || minute < to;
    if (!inside) return 'time_of_day';
  }
  return undefined;
}

/**
 * A rule's list as a set of its keys, built once per frozen list (validatePolicy answers a frozen copy): walking 1000-entry
 * lists for each of 100 destinations under 200 rules cost ~100 ms of CPU per decision.
 */
const keyedLists = new WeakMap<readonly string[], Map<(entry: string) => string, ReadonlySet<string>>>();
const same = (entry: string) => entry;
function setOf(list: readonly string[], key: (entry: string) => string = same): ReadonlySet<string> {
  // Only a frozen list (what validatePolicy answers) is cached: a list that can change is read afresh.
  if (!Object.isFrozen(list)) return new Set(list.map(key));
  let byKey = keyedLists.get(list);
  if (!byKey) keyedLists.set(list, (byKey = new Map<(entry: string) => string, ReadonlySet<string>>()));
  let keys = byKey.get(key);
  if (!keys) byKey.set(key, (keys = new Set(list.map(key))));
  return keys;
}
