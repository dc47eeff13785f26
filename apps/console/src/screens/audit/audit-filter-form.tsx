import { useId, useState, type FormEvent } from 'react';
import type { components } from '../../api/ringfence-api';
import { Field } from '../../ui/field';
import {
  ACTOR_TYPES,
  actionFamily,
  DEFAULT_PAGE_SIZE,
  fromLocalInput,
  OUTCOMES,
  PAGE_SIZES,
  toLocalInput,
  type AuditFilter,
} from './audit-filter';
import { localTimeZone } from './audit-format';

type AuditAction = components['schemas']['AuditAction'];
type Workspace = components['schemas']['Workspace'];

/**
 * Every filter GET /v1/audit/events has: action (from the catalogue, one action or a family),
 * workspace, actor, target, outcome, time range, and rows per page. Applying puts them in the
 * address; the list reads them from there.
 */
export function AuditFilterForm({
  applied,
  actions,
  workspaces,
  onApply,
}: {
  applied: AuditFilter;
  actions: AuditAction[] | undefined;
  workspaces: Workspace[] | undefined;
  onApply: (filter: AuditFilter) => void;
}) {
  const [draft, setDraft] = useState(() => ({
    action: applied.action ?? '',
    workspaceId: applied.workspaceId ?? '',
    actorType: applied.actorType ?? '',
    actorId: applied.actorId ?? '',
    targetType: applied.targetType ?? '',
    targetId: applied.targetId ?? '',
    outcome: applied.outcome ?? '',
    from: toLocalInput(applied.from),
    to: toLocalInput(applied.to),
    limit: String(applied.limit ?? DEFAULT_PAGE_SIZE),
  }));
  const set = (name: keyof typeof draft) => (value: string) => setDraft((current) => ({ ...current, [name]: value }));
  const ids = { action: useId(), actorType: useId(), outcome: useId(), limit: useId(), workspaces: useId() };

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const filter: AuditFilter = {};
    for (const name of ['action', 'workspaceId', 'actorId', 'targetType', 'targetId'] as const) {
      const value = draft[name].trim();
      if (value) filter[name] = value;
    }
    if (draft.actorType) filter.actorType = draft.actorType as AuditFilter['actorType'];
    if (draft.outcome) filter.outcome = draft.outcome as AuditFilter['outcome'];
    const from = fromLocalInput(draft.from);
    const to = fromLocalInput(draft.to);
    if (from) filter.from = from;
    if (to) filter.to = to;
    filter.limit = Number(draft.limit);
    onApply(filter);
  };

  const families = groupByFamily(actions ?? []);
  const known = new Set((actions ?? []).flatMap((entry) => [entry.action, actionFamily(entry.action)]));
  const described = actions?.find((entry) => entry.action === draft.action)?.description;
  const sizes: number[] = PAGE_SIZES.includes(Number(draft.limit) as (typeof PAGE_SIZES)[number])
    ? [...PAGE_SIZES]
    : [...PAGE_SIZES, Number(draft.limit)].sort((a, b) => a - b);

  return (
    <form onSubmit={submit} aria-labelledby="filters-heading" className="card">
      <h2 id="filters-heading">Filters</h2>
      <div className="toolbar">
        <div className="field">
          <label htmlFor={ids.action}>Action</label>
          <select id={ids.action} value={draft.action} onChange={(event) => set('action')(event.target.value)}>
            <option value="">Any action</option>
            {draft.action && !known.has(draft.action) && <option value={draft.action}>{draft.action}</option>}
            {families.map(([family, members]) => (
              <optgroup key={family} label={family.slice(0, -1)}>
                <option value={family}>{`All ${family}* actions`}</option>
                {members.map((entry) => (
                  <option key={entry.action} value={entry.action}>
                    {entry.action}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
        </div>
        <Field
          label="Workspace id"
          value={draft.workspaceId}
          onChange={set('workspaceId')}
          list={ids.workspaces}
          placeholder="Any workspace"
          size={36}
          spellCheck={false}
          autoComplete="off"
        />
        <datalist id={ids.workspaces}>
          {(workspaces ?? []).map((workspace) => (
            <option key={workspace.id} value={workspace.id} label={workspace.name} />
          ))}
        </datalist>
        <div className="field">
          <label htmlFor={ids.outcome}>Outcome</label>
          <select id={ids.outcome} value={draft.outcome} onChange={(event) => set('outcome')(event.target.value)}>
            <option value="">Any outcome</option>
            {Object.entries(OUTCOMES).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </div>
      </div>
      {described && <p className="hint small">{described}</p>}
      <div className="toolbar">
        <div className="field">
          <label htmlFor={ids.actorType}>Actor type</label>
          <select id={ids.actorType} value={draft.actorType} onChange={(event) => set('actorType')(event.target.value)}>
            <option value="">Any actor</option>
            {Object.entries(ACTOR_TYPES).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <Field label="Actor id" value={draft.actorId} onChange={set('actorId')} placeholder="Admin id or key id" spellCheck={false} />
        <Field label="Target type" value={draft.targetType} onChange={set('targetType')} placeholder="e.g. api_key" spellCheck={false} />
        <Field label="Target id" value={draft.targetId} onChange={set('targetId')} spellCheck={false} />
      </div>
      <div className="toolbar">
        <Field label="From" type="datetime-local" step={1} value={draft.from} onChange={set('from')} />
        <Field label="Before" type="datetime-local" step={1} value={draft.to} onChange={set('to')} />
        <div className="field">
          <label htmlFor={ids.limit}>Rows per page</label>
          <select id={ids.limit} value={draft.limit} onChange={(event) => set('limit')(event.target.value)}>
            {sizes.map((size) => (
              <option key={size} value={String(size)}>
                {size}
              </option>
            ))}
          </select>
        </div>
      </div>
      <p className="hint small">Times are in your time zone ({localTimeZone()}): from is inclusive, before is exclusive.</p>
      <div className="actions">
        <button type="submit" className="primary">
          Apply filters
        </button>
        <button type="button" onClick={() => onApply({})}>
          Clear filters
        </button>
      </div>
    </form>
  );
}

/** The catalogue by family (`api_key.`), in its own (sorted) order. */
function groupByFamily(actions: AuditAction[]): [string, AuditAction[]][] {
  const families = new Map<string, AuditAction[]>();
  for (const entry of actions) {
    const family = actionFamily(entry.action);
    families.set(family, [...(families.get(family) ?? []), entry]);
  }
  return [...families.entries()];
}
