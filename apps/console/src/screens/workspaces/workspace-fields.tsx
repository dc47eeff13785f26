import { Field } from '../../ui/field';
import { OriginsField, originErrors } from './origins-field';

export interface WorkspaceDraft {
  name: string;
  plan: string;
  origins: string;
}

/** A workspace's name, plan and allowed origins, as the create and edit dialogs ask for them. */
export function WorkspaceFields({
  draft,
  onChange,
  fields,
  autoFocus = false,
}: {
  draft: WorkspaceDraft;
  onChange: (draft: WorkspaceDraft) => void;
  fields: Record<string, string[]>;
  autoFocus?: boolean;
}) {
  return (
    <>
      <Field
        label="Name"
        value={draft.name}
        onChange={(name) => onChange({ ...draft, name })}
        required
        maxLength={200}
        autoComplete="off"
        autoFocus={autoFocus}
        errors={fields.name}
      />
      <Field
        label="Plan"
        value={draft.plan}
        onChange={(plan) => onChange({ ...draft, plan })}
        required
        autoComplete="off"
        hint="One of the plans configured on the server (RATE_LIMIT_PLANS); it sets the workspace’s request limits."
        errors={fields.plan}
      />
      <OriginsField value={draft.origins} onChange={(origins) => onChange({ ...draft, origins })} errors={originErrors(fields)} />
    </>
  );
}
