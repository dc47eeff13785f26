import type { components } from '../../api/ringfence-api';

export type PolicyDocument = components['schemas']['PolicyDocument'];
export type PolicyRule = components['schemas']['PolicyRule'];
export type RuleAction = PolicyRule['action'];

/**
 * One rule as the form edits it: every field a text box, lists as text (comma- or
 * line-separated), empty meaning "not given". `documentOf` turns it into the document the
 * API validates; what the admin typed wrong is the API's to say, with its path.
 */
export interface RuleForm {
  /** React's key for the rule while it is edited (never sent). */
  key: string;
  name: string;
  action: RuleAction;
  operations: string;
  assets: string;
  amountMin: string;
  amountMax: string;
  /** One source a line: `TYPE` (every source of the type) or `TYPE:id`. */
  sources: string;
  destinationTypes: string;
  /** One address or whitelisted id a line. */
  destinations: string;
  timeFrom: string;
  timeTo: string;
  perTransactionMax: string;
  windowSeconds: string;
  windowMaxSum: string;
  windowMaxCount: string;
}

let keys = 0;
const nextKey = (): string => `rule-${(keys += 1)}`;

export function emptyRule(action: RuleAction = 'APPROVE'): RuleForm {
  return {
    key: nextKey(),
    name: '',
    action,
    operations: '',
    assets: '',
    amountMin: '',
    amountMax: '',
    sources: '',
    destinationTypes: '',
    destinations: '',
    timeFrom: '',
    timeTo: '',
    perTransactionMax: '',
    windowSeconds: '',
    windowMaxSum: '',
    windowMaxCount: '',
  };
}

const listOf = (text: string, separator: RegExp): string[] | undefined => {
  const entries = text
    .split(separator)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  return entries.length > 0 ? entries : undefined;
};
const words = (text: string) => listOf(text, /[,\n]/);
const lines = (text: string) => listOf(text, /\n/);
const given = (text: string): string | undefined => (text.trim() === '' ? undefined : text.trim());
/** A whole number as a number; anything else as typed, for the API to refuse with its path. */
const whole = (text: string): number | string | undefined => {
  const value = given(text);
  return value !== undefined && /^\d{1,15}$/.test(value) ? Number(value) : value;
};

/** Drops the keys whose value is undefined, and answers undefined for an object left empty. */
function compact<T extends object>(value: T): T | undefined {
  const entries = Object.entries(value).filter(([, entry]) => entry !== undefined);
  return entries.length > 0 ? (Object.fromEntries(entries) as T) : undefined;
}

export function ruleOf(form: RuleForm): PolicyRule {
  const sources = lines(form.sources)?.map((line) => {
    const at = line.indexOf(':');
    return at < 0 ? { type: line } : { type: line.slice(0, at).trim(), id: line.slice(at + 1).trim() };
  });
  const match = compact({
    operations: words(form.operations),
    assets: words(form.assets),
    amount: compact({ min: given(form.amountMin), max: given(form.amountMax) }),
    sources,
    destinationTypes: words(form.destinationTypes),
    destinations: lines(form.destinations),
    timeOfDay: given(form.timeFrom) || given(form.timeTo) ? { from: form.timeFrom.trim(), to: form.timeTo.trim() } : undefined,
  });
  // The window's seconds may be typed wrong: sent as typed, the API names the path.
  const windowSeconds = whole(form.windowSeconds);
  const windowCaps = compact({ maxSum: given(form.windowMaxSum), maxCount: whole(form.windowMaxCount) });
  const caps =
    form.action === 'APPROVE'
      ? compact({
          perTransactionMax: given(form.perTransactionMax),
          window:
            windowSeconds !== undefined || windowCaps !== undefined
              ? ({ ...windowCaps, seconds: windowSeconds } as components['schemas']['PolicyCapWindow'])
              : undefined,
        })
      : undefined;
  return { name: form.name.trim(), action: form.action, match: match ?? {}, ...(caps ? { caps } : {}) };
}

export function documentOf(rules: readonly RuleForm[]): PolicyDocument {
  return { rules: rules.map(ruleOf) };
}

function formOfRule(rule: PolicyRule): RuleForm {
  const { match, caps } = rule;
  return {
    ...emptyRule(rule.action),
    name: rule.name,
    operations: match.operations?.join(', ') ?? '',
    assets: match.assets?.join(', ') ?? '',
    amountMin: match.amount?.min ?? '',
    amountMax: match.amount?.max ?? '',
    sources: match.sources?.map((source) => (source.id === undefined ? source.type : `${source.type}:${source.id}`)).join('\n') ?? '',
    destinationTypes: match.destinationTypes?.join(', ') ?? '',
    destinations: match.destinations?.join('\n') ?? '',
    timeFrom: match.timeOfDay?.from ?? '',
    timeTo: match.timeOfDay?.to ?? '',
    perTransactionMax: caps?.perTransactionMax ?? '',
    windowSeconds: caps?.window ? String(caps.window.seconds) : '',
    windowMaxSum: caps?.window?.maxSum ?? '',
    windowMaxCount: caps?.window?.maxCount === undefined ? '' : String(caps.window.maxCount),
  };
}

/**
 * The form of a document, or undefined when the form cannot hold it exactly (an entry with a
 * comma or a line break, a field the form does not know): it is then edited as JSON.
 */
export function formOf(document: unknown): RuleForm[] | undefined {
  if (typeof document !== 'object' || document === null || !Array.isArray((document as { rules?: unknown }).rules)) return undefined;
  try {
    const forms = (document as PolicyDocument).rules.map(formOfRule);
    return canonical(documentOf(forms)) === canonical(document) ? forms : undefined;
  } catch {
    return undefined;
  }
}

/** JSON with object keys sorted: two documents that say the same thing are the same text. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, entry: unknown) =>
    typeof entry === 'object' && entry !== null && !Array.isArray(entry)
      ? Object.fromEntries(Object.entries(entry).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : entry,
  );
}

/** The API's field for a part of rule `index` (`document.rules[2].match.amount.max`), as VALIDATION_FAILED names it. */
export const rulePath = (index: number, path = ''): string => `document.rules[${index}]${path ? `.${path}` : ''}`;
