import { compareDecimals, Decimal, parseDecimal } from './decimal';

/**
 * A workspace's cosigner policy, as written: rules matched in order, the first match
 * decides, no match is a REJECT. Amounts are decimal strings (exact), times of day are
 * `HH:MM` in UTC. Validated as a whole on write (`validatePolicy`); the engine only ever
 * sees a validated document (a frozen copy of what was validated).
 */
export interface PolicyDocument {
  readonly rules: readonly PolicyRule[];
}

export type PolicyAction = 'APPROVE' | 'REJECT';

export interface PolicyRule {
  readonly name: string;
  readonly action: PolicyAction;
  /** Every condition given must hold; none given: the rule matches every request. */
  readonly match: RuleMatch;
  /** Limits on what an APPROVE rule approves; over a cap, the request is rejected (never passed to a later rule). */
  readonly caps?: RuleCaps;
}

export interface RuleMatch {
  readonly operations?: readonly string[];
  readonly assets?: readonly string[];
  /** Inclusive bounds on the request's amount. */
  readonly amount?: { readonly min?: string; readonly max?: string };
  /** A source without `id` stands for every source of its type. */
  readonly sources?: readonly { readonly type: string; readonly id?: string }[];
  /** Every destination of the request must be of one of these types (for a REJECT rule: any destination). */
  readonly destinationTypes?: readonly string[];
  /** Every destination (for a REJECT rule: any) must be one of these addresses or whitelisted ids (EVM addresses compared case-insensitively). */
  readonly destinations?: readonly string[];
  /** UTC; `from` included, `to` excluded; a span past midnight (22:00–06:00) wraps. */
  readonly timeOfDay?: { readonly from: string; readonly to: string };
}

export interface RuleCaps {
  /** The largest amount one request may move. */
  readonly perTransactionMax?: string;
  /** Over a rolling window, per asset: the sum approved and the number of approvals. */
  readonly window?: { readonly seconds: number; readonly maxSum?: string; readonly maxCount?: number };
}

/** Where a document is wrong, as a path into it (`rules[2].match.amount.max`) and why. */
export interface PolicyError {
  readonly path: string;
  readonly message: string;
}

export const POLICY_LIMITS = {
  rules: 200,
  listEntries: 1000,
  text: 200,
  minWindowSeconds: 60,
  maxWindowSeconds: 366 * 24 * 3600,
} as const;

const TIME_OF_DAY = /^([01][0-9]|2[0-3]):([0-5][0-9])$/;
const EVM_ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** How destinations are compared: EVM addresses case-insensitively, anything else exactly. */
export function destinationKey(destination: string): string {
  return EVM_ADDRESS.test(destination) ? destination.toLowerCase() : destination;
}

/** Minutes after midnight of an `HH:MM` the document was validated with. */
export function minutesOf(time: string): number {
  const [, hours, minutes] = TIME_OF_DAY.exec(time)!;
  return Number(hours) * 60 + Number(minutes);
}

type Shape = Record<string, (value: unknown, path: string, errors: PolicyError[]) => void>;

/**
 * Checks a policy document as a whole and answers every error, each with its path: unknown
 * fields, wrong types, amounts that are not plain decimals, empty or oversized lists, caps
 * on a REJECT rule, and rules no request can reach because an earlier rule matches all of
 * what they match.
 */
export function validatePolicy(input: unknown): { document: PolicyDocument; errors?: undefined } | { errors: PolicyError[] } {
  const errors: PolicyError[] = [];
  object(input, '', errors, { rules: (value, path) => rulesOf(value, path, errors) }, ['rules']);
  if (errors.length > 0) return { errors };
  // A frozen copy: the engine decides on the document as validated, whatever the caller does to its input later.
  const document = frozenCopy(input) as PolicyDocument;
  unreachableRules(document, errors);
  return errors.length > 0 ? { errors } : { document };
}

/** A deep copy, frozen: plain data only (validation has refused anything else). */
function frozenCopy(value: unknown): unknown {
  if (Array.isArray(value)) return Object.freeze(value.map(frozenCopy));
  if (typeof value === 'object' && value !== null) {
    const copy: Record<string, unknown> = {};
    for (const key of Object.keys(value)) copy[key] = frozenCopy((value as Record<string, unknown>)[key]);
    return Object.freeze(copy);
  }
  return value;
}

function rulesOf(value: unknown, path: string, errors: PolicyError[]): void {
  if (!Array.isArray(value)) return void errors.push({ path, message: 'must be a list of rules' });
  if (value.length > POLICY_LIMITS.rules) return void errors.push({ path, message: `at most ${POLICY_LIMITS.rules} rules` });
  const names = new Set<string>();
  value.forEach((rule: unknown, index) => {
    const at = `${path}[${index}]`;
    object(
      rule,
      at,
      errors,
      {
        name: (name, namePath) => {
          if (!text(name, namePath, errors)) return;
          if (names.has(name as string)) errors.push({ path: namePath, message: 'another rule has this name' });
          names.add(name as string);
        },
        action: (action, actionPath) => {
          if (action !== 'APPROVE' && action !== 'REJECT') errors.push({ path: actionPath, message: 'must be APPROVE or REJECT' });
        },
        match: (match, matchPath) => matchOf(match, matchPath, errors),
        caps: (caps, capsPath) => capsOf(caps, capsPath, errors),
      },
      ['name', 'action', 'match'],
    );
    const { action, caps } = (rule ?? {}) as Partial<PolicyRule>;
    if (action === 'REJECT' && caps !== undefined) errors.push({ path: `${at}.caps`, message: 'a REJECT rule has nothing to cap' });
  });
}

function matchOf(value: unknown, path: string, errors: PolicyError[]): void {
  object(value, path, errors, {
    operations: (list, at) => textList(list, at, errors),
    assets: (list, at) => textList(list, at, errors),
    amount: (amount, at) => {
      object(amount, at, errors, { min: (v, p) => amountOf(v, p, errors), max: (v, p) => amountOf(v, p, errors) });
      const { min, max } = (amount ?? {}) as { min?: unknown; max?: unknown };
      const low = parseDecimal(min);
      const high = parseDecimal(max);
      if (low && high && compareDecimals(low, high) > 0) errors.push({ path: at, message: 'min is above max: no amount matches' });
    },
    sources: (list, at) =>
      listOf(list, at, errors, (source, sourcePath) =>
        object(source, sourcePath, errors, { type: (v, p) => text(v, p, errors), id: (v, p) => text(v, p, errors) }, ['type']),
      ),
    destinationTypes: (list, at) => textList(list, at, errors),
    destinations: (list, at) => textList(list, at, errors),
    timeOfDay: (span, at) => {
      const check = (time: unknown, timePath: string) => {
        if (typeof time !== 'string' || !TIME_OF_DAY.test(time)) errors.push({ path: timePath, message: 'must be HH:MM (UTC)' });
      };
      object(span, at, errors, { from: check, to: check }, ['from', 'to']);
      const { from, to } = (span ?? {}) as { from?: unknown; to?: unknown };
      if (typeof from === 'string' && from === to) errors.push({ path: at, message: 'from and to are the same time: an empty span' });
    },
  });
}

function capsOf(value: unknown, path: string, errors: PolicyError[]): void {
  object(value, path, errors, {
    perTransactionMax: (v, p) => amountOf(v, p, errors),
    window: (window, at) => {
      object(
        window,
        at,
        errors,
        {
          seconds: (seconds, p) => {
            if (
              !Number.isInteger(seconds) ||
              (seconds as number) < POLICY_LIMITS.minWindowSeconds ||
              (seconds as number) > POLICY_LIMITS.maxWindowSeconds
            ) {
              errors.push({
                path: p,
                message: `must be a whole number of seconds from ${POLICY_LIMITS.minWindowSeconds} to ${POLICY_LIMITS.maxWindowSeconds}`,
              });
            }
          },
          maxSum: (v, p) => amountOf(v, p, errors),
          maxCount: (count, p) => {
            if (!Number.isSafeInteger(count) || (count as number) < 1)
              errors.push({ path: p, message: 'must be a whole number of at least 1' });
          },
        },
        ['seconds'],
      );
      const { maxSum, maxCount } = (window ?? {}) as { maxSum?: unknown; maxCount?: unknown };
      if (maxSum === undefined && maxCount === undefined) errors.push({ path: at, message: 'a window caps maxSum, maxCount or both' });
    },
  });
}

function object(value: unknown, path: string, errors: PolicyError[], shape: Shape, required: readonly string[] = []): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return void errors.push({ path: path || '(document)', message: 'must be an object' });
  for (const key of Object.keys(value)) {
    const at = path ? `${path}.${key}` : key;
    const check = Object.hasOwn(shape, key) ? shape[key] : undefined;
    if (!check) errors.push({ path: at, message: 'unknown field' });
    else check((value as Record<string, unknown>)[key], at, errors);
  }
  for (const key of required) if (!Object.hasOwn(value, key)) errors.push({ path: path ? `${path}.${key}` : key, message: 'is required' });
}

function text(value: unknown, path: string, errors: PolicyError[]): boolean {
  if (typeof value === 'string' && value.length > 0 && value.length <= POLICY_LIMITS.text) return true;
  errors.push({ path, message: `must be a string of 1 to ${POLICY_LIMITS.text} characters` });
  return false;
}

function amountOf(value: unknown, path: string, errors: PolicyError[]): void {
  if (!parseDecimal(value)) errors.push({ path, message: 'must be a plain decimal string, e.g. "1000" or "0.5"' });
}

function listOf(value: unknown, path: string, errors: PolicyError[], each: (entry: unknown, path: string) => void): void {
  if (!Array.isArray(value) || value.length === 0) return void errors.push({ path, message: 'must be a non-empty list' });
  if (value.length > POLICY_LIMITS.listEntries) return void errors.push({ path, message: `at most ${POLICY_LIMITS.listEntries} entries` });
  value.forEach((entry: unknown, index) => each(entry, `${path}[${index}]`));
}

function textList(value: unknown, path: string, errors: PolicyError[]): void {
  listOf(value, path, errors, (entry, at) => text(entry, at, errors));
}

/** Rules an earlier rule shadows: each condition of the earlier one admits all the later one admits. */
function unreachableRules(document: PolicyDocument, errors: PolicyError[]): void {
  // Lists are compared as sets built once per rule: comparing lists entry by entry cost list × list per pair of
  // rules, seconds of CPU for a document of the largest size with lists that differ only at their end.
  const indexed = document.rules.map(indexedRule);
  indexed.forEach((later, index) => {
    const earlier = indexed.findIndex((rule, before) => before < index && covers(rule, later));
    if (earlier >= 0) {
      errors.push({
        path: `rules[${index}]`,
        message: `unreachable: rule ${earlier} ("${document.rules[earlier]!.name}") matches every request this one matches`,
      });
    }
  });
}

interface IndexedRule {
  readonly rule: PolicyRule;
  readonly operations?: ReadonlySet<string>;
  readonly assets?: ReadonlySet<string>;
  readonly destinationTypes?: ReadonlySet<string>;
  readonly destinations?: ReadonlySet<string>;
  /** Source types admitted whatever the id, and `[type, id]` pairs (as JSON) admitted exactly. */
  readonly sources?: {
    readonly anyId: ReadonlySet<string>;
    readonly withId: ReadonlySet<string>;
    readonly entries: readonly { readonly type: string; readonly key?: string }[];
  };
}

function indexedRule(rule: PolicyRule): IndexedRule {
  const { match } = rule;
  const set = (list: readonly string[] | undefined, key = (s: string) => s) => (list === undefined ? undefined : new Set(list.map(key)));
  return {
    rule,
    operations: set(match.operations),
    assets: set(match.assets),
    destinationTypes: set(match.destinationTypes),
    destinations: set(match.destinations, destinationKey),
    sources:
      match.sources === undefined
        ? undefined
        : {
            anyId: new Set(match.sources.filter((source) => source.id === undefined).map((source) => source.type)),
            withId: new Set(
              match.sources.filter((source) => source.id !== undefined).map((source) => JSON.stringify([source.type, source.id])),
            ),
            entries: match.sources.map((source) => ({
              type: source.type,
              key: source.id === undefined ? undefined : JSON.stringify([source.type, source.id]),
            })),
          },
  };
}

function covers(earlier: IndexedRule, later: IndexedRule): boolean {
  const list = (wide: ReadonlySet<string> | undefined, narrow: ReadonlySet<string> | undefined) =>
    wide === undefined || (narrow !== undefined && narrow.size <= wide.size && [...narrow].every((entry) => wide.has(entry)));
  // An APPROVE rule's destination lists need every destination, a REJECT rule's any: a later REJECT rule catches the
  // requests that mix its destinations with others, which an earlier APPROVE rule's list never admits.
  const everyThenAny = earlier.rule.action === 'APPROVE' && later.rule.action === 'REJECT';
  const destinationList = (wide: ReadonlySet<string> | undefined, narrow: ReadonlySet<string> | undefined) =>
    wide === undefined || (!everyThenAny && list(wide, narrow));
  const [earlierTime, laterTime] = [earlier.rule.match.timeOfDay, later.rule.match.timeOfDay];
  return (
    list(earlier.operations, later.operations) &&
    list(earlier.assets, later.assets) &&
    destinationList(earlier.destinationTypes, later.destinationTypes) &&
    destinationList(earlier.destinations, later.destinations) &&
    sourcesCover(earlier.sources, later.sources) &&
    amountCovers(earlier.rule.match.amount, later.rule.match.amount) &&
    (earlierTime === undefined || (laterTime !== undefined && earlierTime.from === laterTime.from && earlierTime.to === laterTime.to))
  );
}

function sourcesCover(wide: IndexedRule['sources'], narrow: IndexedRule['sources']): boolean {
  if (wide === undefined) return true;
  if (narrow === undefined) return false;
  return narrow.entries.every((source) => wide.anyId.has(source.type) || (source.key !== undefined && wide.withId.has(source.key)));
}

function amountCovers(wide: RuleMatch['amount'], narrow: RuleMatch['amount']): boolean {
  if (wide === undefined) return true;
  const bound = (text: string | undefined): Decimal | undefined => (text === undefined ? undefined : parseDecimal(text));
  const [wideMin, wideMax, narrowMin, narrowMax] = [bound(wide.min), bound(wide.max), bound(narrow?.min), bound(narrow?.max)];
  const minCovered = wideMin === undefined || (narrowMin !== undefined && compareDecimals(wideMin, narrowMin) <= 0);
  const maxCovered = wideMax === undefined || (narrowMax !== undefined && compareDecimals(narrowMax, wideMax) <= 0);
  return minCovered && maxCovered;
}
