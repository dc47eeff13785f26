import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../../api/client';
import type { components } from '../../api/ringfence-api';
import { hasRole, useMe } from '../../session/use-session';
import { Dialog } from '../../ui/dialog';
import { ProblemAlert } from '../../ui/problem-alert';
import { Timestamp } from '../../ui/timestamp';
import './cosigner.css';
import { EnvironmentSelect, type Environment } from './environment-select';
import { PolicyDraftEditor } from './policy-draft-editor';
import { PolicyExplainPanel } from './policy-explain-panel';
import { PolicyVersionsTable } from './policy-versions-table';

type PolicyVersionDetail = components['schemas']['PolicyVersionDetail'];

/**
 * A workspace's cosigner policy, per environment (owner and admin): what decides now, the
 * draft and its activation (which asks for a fresh second factor), the draft editor, a
 * sample transfer explained, and every version.
 */
export function PoliciesTab({ workspaceId }: { workspaceId: string }) {
  const me = useMe();
  const [environment, setEnvironment] = useState<Environment>('live');
  return (
    <section aria-labelledby="policies-heading">
      <div className="tab-head">
        <h2 id="policies-heading">Cosigner policy</h2>
        <EnvironmentSelect value={environment} onChange={setEnvironment} />
      </div>
      {hasRole(me, 'owner', 'admin') ? (
        <PolicyScreen key={environment} workspaceId={workspaceId} environment={environment} />
      ) : (
        <p className="muted">Only owners and admins read and change a workspace’s cosigner policy.</p>
      )}
    </section>
  );
}

function PolicyScreen({ workspaceId, environment }: { workspaceId: string; environment: Environment }) {
  const queries = useQueryClient();
  const policyKey = ['workspaces', workspaceId, environment, 'policy'];
  const current = useQuery({
    queryKey: policyKey,
    queryFn: async () =>
      unwrap(await api.GET('/v1/admin/workspaces/{id}/policies', { params: { path: { id: workspaceId }, query: { environment } } })),
  });
  /** What the editor starts from when the admin loads a version into it (else the draft, the active one, or nothing). */
  const [seed, setSeed] = useState<{ version: number; document: unknown; turn: number }>();
  const [confirming, setConfirming] = useState<number>();
  const [activated, setActivated] = useState<string>();
  const [saved, setSaved] = useState<string>();

  const activate = useMutation({
    mutationFn: async (version: number) =>
      unwrap(
        await api.POST('/v1/admin/workspaces/{id}/policies/versions/{version}/activate', {
          params: { path: { id: workspaceId, version }, query: { environment } },
        }),
      ),
    onSuccess: async (version) => {
      setActivated(`Version ${version.version} is active: it decides every transfer in ${environment} from now on.`);
      await queries.invalidateQueries({ queryKey: policyKey });
    },
  });

  if (current.isPending) return <p className="loading">Loading the policy…</p>;
  if (current.isError) return <ProblemAlert error={current.error} />;
  const { active, draft } = current.data;
  const starting: { label: string; document: unknown } = seed
    ? { label: `version ${seed.version}`, document: seed.document }
    : draft
      ? { label: `the draft, version ${draft.version}`, document: draft.document }
      : active
        ? { label: `the active version ${active.version}`, document: active.document }
        : { label: 'an empty policy', document: { rules: [] } };
  const explainable = [
    ...(draft ? [{ version: draft.version, label: `Draft, version ${draft.version}` }] : []),
    ...(active ? [{ version: active.version, label: `Active, version ${active.version}` }] : []),
  ];

  return (
    <>
      <div className="card-row">
        <section className="card" aria-labelledby="active-heading">
          <h3 id="active-heading">Active version</h3>
          {active ? (
            <VersionFacts version={active} />
          ) : (
            <p className="warning">No active policy: the cosigner rejects every transfer in this environment.</p>
          )}
        </section>
        <section className="card" aria-labelledby="draft-heading">
          <h3 id="draft-heading">Draft</h3>
          {draft ? (
            <>
              <VersionFacts version={draft} />
              <div className="actions">
                <button
                  type="button"
                  className="primary"
                  onClick={() => {
                    setActivated(undefined);
                    setSaved(undefined);
                    setConfirming(draft.version);
                  }}
                  disabled={activate.isPending}
                >
                  Activate version {draft.version}
                </button>
              </div>
            </>
          ) : (
            <p className="muted">No draft: write one below.</p>
          )}
          <ProblemAlert error={activate.error} />
          <p role="status">{activated}</p>
        </section>
      </div>

      <section className="card" aria-labelledby="editor-heading">
        <h3 id="editor-heading">Edit the draft</h3>
        <PolicyDraftEditor
          key={`${seed?.turn ?? 0}:${draft?.version ?? '-'}:${active?.version ?? '-'}`}
          workspaceId={workspaceId}
          environment={environment}
          initial={starting.document}
          startedFrom={starting.label}
          onSaved={(draft: PolicyVersionDetail) => {
            setSeed(undefined);
            setSaved(`Saved as draft version ${draft.version}. Activate it to make it decide.`);
            queries.setQueryData(policyKey, { active, draft });
            void queries.invalidateQueries({ queryKey: policyKey });
          }}
        />
        <p role="status">{saved}</p>
      </section>

      <section className="card" aria-labelledby="explain-heading">
        <h3 id="explain-heading">Explain a sample transfer</h3>
        <PolicyExplainPanel workspaceId={workspaceId} environment={environment} versions={explainable} />
      </section>

      <section className="card" aria-labelledby="versions-heading">
        <h3 id="versions-heading">Versions</h3>
        <PolicyVersionsTable
          workspaceId={workspaceId}
          environment={environment}
          onEdit={(version, document) => {
            setSeed((previous) => ({ version, document, turn: (previous?.turn ?? 0) + 1 }));
            focusHeading('editor-heading');
          }}
        />
      </section>

      {confirming !== undefined && (
        <Dialog title={`Activate version ${confirming}?`} onClose={() => setConfirming(undefined)}>
          <p>
            From now on, version {confirming} decides every transfer of this workspace’s <strong>{environment}</strong> environment
            {active ? ` in place of version ${active.version}, which is retired` : ''}. You will be asked for a fresh second factor.
          </p>
          <div className="actions">
            <button
              type="button"
              className="primary"
              onClick={() => {
                const version = confirming;
                // This dialog closes first: the step-up dialog may open next.
                setConfirming(undefined);
                activate.mutate(version);
              }}
            >
              Activate
            </button>
            <button type="button" onClick={() => setConfirming(undefined)}>
              Cancel
            </button>
          </div>
        </Dialog>
      )}
    </>
  );
}

function VersionFacts({ version }: { version: components['schemas']['PolicyVersion'] }) {
  return (
    <dl className="facts">
      <dt>Version</dt>
      <dd>{version.version}</dd>
      <dt>Rules</dt>
      <dd>{version.rules}</dd>
      {version.note && (
        <>
          <dt>Note</dt>
          <dd>{version.note}</dd>
        </>
      )}
      <dt>Saved</dt>
      <dd>
        <Timestamp value={version.createdAt} /> by {version.createdBy}
      </dd>
      {version.activatedAt && (
        <>
          <dt>Activated</dt>
          <dd>
            <Timestamp value={version.activatedAt} /> by {version.activatedBy}
          </dd>
        </>
      )}
      <dt>SHA-256</dt>
      <dd>
        <code className="small">{version.sha256.slice(0, 16)}…</code>
      </dd>
    </dl>
  );
}

/** Moves focus to the element with `id` (a heading), after React has rendered. */
function focusHeading(id: string): void {
  setTimeout(() => {
    const target = document.getElementById(id);
    if (target) {
      target.tabIndex = -1;
      target.focus();
    }
  }, 0);
}
