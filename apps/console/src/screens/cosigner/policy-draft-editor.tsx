import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, unwrap } from '../../api/client';
import { ApiError } from '../../api/problem';
import type { components } from '../../api/ringfence-api';
import { Field, TextArea } from '../../ui/field';
import { ProblemAlert } from '../../ui/problem-alert';
import type { Environment } from './environment-select';
import { documentOf, emptyRule, formOf, type PolicyDocument, type RuleForm } from './policy-form-model';
import { PolicyRuleEditor } from './policy-rule-editor';

type PolicyVersionDetail = components['schemas']['PolicyVersionDetail'];
type Mode = 'form' | 'json';

/**
 * The draft, edited as a form of rules (match + caps) or as the raw JSON document; either is
 * sent whole to `PUT …/policies/draft`, which validates it and names every error's path (shown
 * beside the field in the form, listed in the alert in both views). Saving replaces the draft.
 */
export function PolicyDraftEditor({
  workspaceId,
  environment,
  initial,
  startedFrom,
  onSaved,
}: {
  workspaceId: string;
  environment: Environment;
  initial: unknown;
  /** What the editor holds at first, in words ("the draft, version 3"). */
  startedFrom: string;
  /** The draft saved: the editor is then remounted on it, so what to say about it is the caller's. */
  onSaved: (saved: PolicyVersionDetail) => void;
}) {
  const initialForm = formOf(initial);
  const [mode, setMode] = useState<Mode>(initialForm ? 'form' : 'json');
  const [rules, setRules] = useState<RuleForm[]>(initialForm ?? []);
  const [json, setJson] = useState(() => JSON.stringify(initial, null, 2));
  const [note, setNote] = useState('');
  const [jsonError, setJsonError] = useState<string>();

  const save = useMutation({
    mutationFn: async (document: PolicyDocument) =>
      unwrap(
        await api.PUT('/v1/admin/workspaces/{id}/policies/draft', {
          params: { path: { id: workspaceId }, query: { environment } },
          body: { document, ...(note.trim() ? { note: note.trim() } : {}) },
        }),
      ),
    onSuccess: onSaved,
  });
  const errors = save.error instanceof ApiError ? save.error.fieldErrors() : {};

  const switchTo = (next: Mode): void => {
    setJsonError(undefined);
    if (next === mode) return;
    if (next === 'json') {
      setJson(JSON.stringify(documentOf(rules), null, 2));
      setMode('json');
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch (failure) {
      setJsonError(`The form cannot open this text: it is not JSON (${(failure as Error).message}).`);
      return;
    }
    const form = formOf(parsed);
    if (!form) {
      setJsonError('The form cannot show this document exactly (a field it does not know, or an entry with a comma): edit it as JSON.');
      return;
    }
    setRules(form);
    setMode('form');
  };

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    setJsonError(undefined);
    if (mode === 'form') return save.mutate(documentOf(rules));
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch (failure) {
      setJsonError(`This is not JSON: ${(failure as Error).message}`);
      return;
    }
    // Whatever the JSON says is the API's to judge: it validates the document whole.
    save.mutate(parsed as PolicyDocument);
  };

  const update = (index: number, rule: RuleForm) => setRules((current) => current.map((entry, at) => (at === index ? rule : entry)));
  const move = (index: number, by: -1 | 1) =>
    setRules((current) => {
      const next = [...current];
      const [rule] = next.splice(index, 1);
      next.splice(index + by, 0, rule!);
      return next;
    });

  return (
    <form onSubmit={submit} aria-label="Policy draft" noValidate>
      <p className="muted small">
        Starting from {startedFrom}. Rules are matched in order: the first that matches decides, and what no rule approves is rejected.
      </p>
      <fieldset>
        <legend>Edit as</legend>
        <label>
          <input type="radio" name="policy-editor-mode" checked={mode === 'form'} onChange={() => switchTo('form')} /> Form
        </label>
        <label>
          <input type="radio" name="policy-editor-mode" checked={mode === 'json'} onChange={() => switchTo('json')} /> JSON
        </label>
      </fieldset>
      {jsonError && (
        <p role="alert" className="alert alert-error">
          {jsonError}
        </p>
      )}
      {mode === 'form' ? (
        <>
          {rules.length === 0 && <p className="muted">No rules: this policy rejects every transfer.</p>}
          {rules.map((rule, index) => (
            <PolicyRuleEditor
              key={rule.key}
              rule={rule}
              index={index}
              count={rules.length}
              errors={errors}
              onChange={(next) => update(index, next)}
              onMove={(by) => move(index, by)}
              onRemove={() => setRules((current) => current.filter((_, at) => at !== index))}
            />
          ))}
          <div className="actions">
            <button type="button" onClick={() => setRules((current) => [...current, emptyRule('APPROVE')])}>
              Add an approve rule
            </button>
            <button type="button" onClick={() => setRules((current) => [...current, emptyRule('REJECT')])}>
              Add a reject rule
            </button>
          </div>
        </>
      ) : (
        <TextArea
          label="Policy document (JSON)"
          value={json}
          onChange={setJson}
          rows={18}
          spellCheck={false}
          className="json-editor"
          hint="Validated by the API as a whole when saved; each error names its path."
        />
      )}
      <Field label="Note" value={note} onChange={setNote} maxLength={500} hint="Optional: why this change (kept with the version)" />
      <ProblemAlert error={save.error} />
      <div className="actions">
        <button type="submit" className="primary" disabled={save.isPending}>
          Save draft
        </button>
      </div>
    </form>
  );
}
