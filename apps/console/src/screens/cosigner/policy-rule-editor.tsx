import { Field, Select, TextArea } from '../../ui/field';
import { rulePath, type RuleAction, type RuleForm } from './policy-form-model';

const ACTIONS = [
  { value: 'APPROVE', label: 'Approve' },
  { value: 'REJECT', label: 'Reject' },
] as const satisfies readonly { value: RuleAction; label: string }[];

/** The API's errors at `path` and under it (`…sources` takes `…sources[0].type`). */
export function errorsUnder(errors: Record<string, string[]>, path: string): string[] | undefined {
  const found = Object.entries(errors)
    .filter(([field]) => field === path || field.startsWith(`${path}.`) || field.startsWith(`${path}[`))
    .flatMap(([field, messages]) => messages.map((message) => (field === path ? message : `${field.slice(path.length + 1)}: ${message}`)));
  return found.length > 0 ? found : undefined;
}

/**
 * One rule of the draft: its name and verdict, the conditions that must all hold for it to
 * match (none: every request), and, for an APPROVE rule, its caps.
 */
export function PolicyRuleEditor({
  rule,
  index,
  count,
  errors,
  onChange,
  onMove,
  onRemove,
}: {
  rule: RuleForm;
  index: number;
  count: number;
  errors: Record<string, string[]>;
  onChange: (rule: RuleForm) => void;
  onMove: (by: -1 | 1) => void;
  onRemove: () => void;
}) {
  const set =
    <K extends keyof RuleForm>(field: K) =>
    (value: RuleForm[K]) =>
      onChange({ ...rule, [field]: value });
  const at = (path: string) => errors[rulePath(index, path)];
  const under = (path: string) => errorsUnder(errors, rulePath(index, path));
  const ruleErrors = errors[rulePath(index)];
  const label = `Rule ${index + 1}${rule.name ? `: ${rule.name}` : ''}`;
  return (
    <fieldset className="rule">
      <legend>{label}</legend>
      {ruleErrors && (
        <p className="field-error" role="alert">
          {ruleErrors.join('; ')}
        </p>
      )}
      <div className="rule-grid">
        <Field label="Name" value={rule.name} onChange={set('name')} errors={at('name')} required maxLength={200} />
        <Select label="Action" value={rule.action} options={ACTIONS} onChange={set('action')} />
      </div>
      <fieldset>
        <legend>Conditions (all must hold; none given: every request matches)</legend>
        <div className="rule-grid">
          <Field
            label="Operations"
            value={rule.operations}
            onChange={set('operations')}
            hint="Comma-separated, e.g. TRANSFER"
            errors={under('match.operations')}
          />
          <Field
            label="Assets"
            value={rule.assets}
            onChange={set('assets')}
            hint="The provider’s asset ids, comma-separated"
            errors={under('match.assets')}
          />
          <Field
            label="Amount at least"
            value={rule.amountMin}
            onChange={set('amountMin')}
            inputMode="decimal"
            hint="A decimal, e.g. 0.5"
            errors={under('match.amount.min')}
          />
          <Field
            label="Amount at most"
            value={rule.amountMax}
            onChange={set('amountMax')}
            inputMode="decimal"
            errors={[...(at('match.amount') ?? []), ...(under('match.amount.max') ?? [])]}
          />
          <Field
            label="Destination types"
            value={rule.destinationTypes}
            onChange={set('destinationTypes')}
            hint="e.g. ONE_TIME_ADDRESS, EXTERNAL_WALLET"
            errors={under('match.destinationTypes')}
          />
          <Field
            label="From (UTC)"
            value={rule.timeFrom}
            onChange={set('timeFrom')}
            placeholder="HH:MM"
            hint="A time-of-day window; past midnight wraps"
            errors={[...(at('match.timeOfDay') ?? []), ...(under('match.timeOfDay.from') ?? [])]}
          />
          <Field
            label="Until (UTC)"
            value={rule.timeTo}
            onChange={set('timeTo')}
            placeholder="HH:MM"
            errors={under('match.timeOfDay.to')}
          />
        </div>
        <div className="rule-grid">
          <TextArea
            label="Sources"
            value={rule.sources}
            onChange={set('sources')}
            rows={2}
            hint="One a line: TYPE (every source of it) or TYPE:id, e.g. VAULT:0"
            errors={under('match.sources')}
          />
          <TextArea
            label="Destinations"
            value={rule.destinations}
            onChange={set('destinations')}
            rows={2}
            hint="One address or whitelisted id a line"
            errors={under('match.destinations')}
          />
        </div>
      </fieldset>
      {rule.action === 'APPROVE' && (
        <fieldset>
          <legend>Caps (over a cap, the request is rejected)</legend>
          {at('caps') && <p className="field-error">{at('caps')?.join('; ')}</p>}
          <div className="rule-grid">
            <Field
              label="Per transaction at most"
              value={rule.perTransactionMax}
              onChange={set('perTransactionMax')}
              inputMode="decimal"
              errors={under('caps.perTransactionMax')}
            />
            <Field
              label="Window (seconds)"
              value={rule.windowSeconds}
              onChange={set('windowSeconds')}
              inputMode="numeric"
              hint="Rolling, per asset, e.g. 86400"
              errors={[...(at('caps.window') ?? []), ...(under('caps.window.seconds') ?? [])]}
            />
            <Field
              label="Window sum at most"
              value={rule.windowMaxSum}
              onChange={set('windowMaxSum')}
              inputMode="decimal"
              errors={under('caps.window.maxSum')}
            />
            <Field
              label="Window approvals at most"
              value={rule.windowMaxCount}
              onChange={set('windowMaxCount')}
              inputMode="numeric"
              errors={under('caps.window.maxCount')}
            />
          </div>
        </fieldset>
      )}
      <div className="actions">
        <button type="button" onClick={() => onMove(-1)} disabled={index === 0} aria-label={`Move up rule ${index + 1}`}>
          Move up
        </button>
        <button type="button" onClick={() => onMove(1)} disabled={index === count - 1} aria-label={`Move down rule ${index + 1}`}>
          Move down
        </button>
        <button type="button" className="danger" onClick={onRemove} aria-label={`Remove rule ${index + 1}`}>
          Remove
        </button>
      </div>
    </fieldset>
  );
}
