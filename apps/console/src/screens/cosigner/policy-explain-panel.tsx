import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, unwrap } from '../../api/client';
import type { components } from '../../api/ringfence-api';
import { Field, Select } from '../../ui/field';
import { ProblemAlert } from '../../ui/problem-alert';
import { reasonWords, traceWords } from './decision-words';
import type { Environment } from './environment-select';

type SampleTransfer = components['schemas']['SampleTransfer'];
type Explanation = components['schemas']['PolicyExplanation'];
type DestinationKind = 'address' | 'id';

const DESTINATION_KINDS = [
  { value: 'address', label: 'An address' },
  { value: 'id', label: 'A whitelisted id' },
] as const satisfies readonly { value: DestinationKind; label: string }[];

/** A `datetime-local` value read as UTC, in RFC 3339. */
const utcInstant = (local: string): string => `${local.length === 16 ? `${local}:00` : local}Z`;

/**
 * What a version would decide for a sample transfer (`POST …/policies/explain`), before it
 * decides a real one: the verdict, its reason and rule, and the trace rule by rule. A field
 * left empty is absent from the sample, as it would be from a provider's request. Nothing is
 * reserved against the caps.
 */
export function PolicyExplainPanel({
  workspaceId,
  environment,
  versions,
}: {
  workspaceId: string;
  environment: Environment;
  /** The versions worth explaining: the active one and the draft, labelled. */
  versions: readonly { version: number; label: string }[];
}) {
  const [version, setVersion] = useState(String(versions[0]?.version ?? ''));
  const [operation, setOperation] = useState('TRANSFER');
  const [asset, setAsset] = useState('');
  const [amount, setAmount] = useState('');
  const [sourceType, setSourceType] = useState('VAULT');
  const [sourceId, setSourceId] = useState('0');
  const [destinationKind, setDestinationKind] = useState<DestinationKind>('address');
  const [destinationType, setDestinationType] = useState('ONE_TIME_ADDRESS');
  const [destination, setDestination] = useState('');
  const [at, setAt] = useState('');

  const explain = useMutation({
    mutationFn: async (body: { transfer: SampleTransfer; version?: number }) =>
      unwrap(
        await api.POST('/v1/admin/workspaces/{id}/policies/explain', {
          params: { path: { id: workspaceId }, query: { environment } },
          body,
        }),
      ),
  });

  // The version chosen, or the first offered once the chosen one is gone (a newer draft replaced it).
  const selected = versions.some((entry) => String(entry.version) === version) ? version : String(versions[0]?.version ?? '');

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const given = (text: string) => (text.trim() === '' ? undefined : text.trim());
    const target = given(destination);
    const transfer: SampleTransfer = {
      operation: given(operation),
      asset: given(asset),
      amount: given(amount),
      source: given(sourceType) ? { type: sourceType.trim(), id: given(sourceId) } : undefined,
      destinations: target
        ? [{ type: given(destinationType), ...(destinationKind === 'address' ? { address: target } : { id: target }) }]
        : undefined,
      at: given(at) ? utcInstant(at.trim()) : undefined,
    };
    // Undefined fields are left out of the JSON sent: absent, as from a provider's request.
    explain.mutate({ transfer, version: Number(selected) });
  };

  if (versions.length === 0) {
    return <p className="muted">There is no version to explain yet: save a draft first.</p>;
  }
  return (
    <>
      <form onSubmit={submit} aria-label="Sample transfer">
        <div className="rule-grid">
          <Select
            label="Version"
            value={selected}
            options={versions.map((entry) => ({ value: String(entry.version), label: entry.label }))}
            onChange={setVersion}
          />
          <Field label="Operation" value={operation} onChange={setOperation} />
          <Field label="Asset" value={asset} onChange={setAsset} placeholder="ETH" />
          <Field label="Amount" value={amount} onChange={setAmount} inputMode="decimal" placeholder="1.5" />
          <Field label="Source type" value={sourceType} onChange={setSourceType} />
          <Field label="Source id" value={sourceId} onChange={setSourceId} />
          <Select label="Destination is" value={destinationKind} options={DESTINATION_KINDS} onChange={setDestinationKind} />
          <Field label="Destination type" value={destinationType} onChange={setDestinationType} />
          <Field label="Destination" value={destination} onChange={setDestination} placeholder="0x…" />
          <Field
            label="At (UTC)"
            type="datetime-local"
            value={at}
            onChange={setAt}
            hint="For time-of-day rules; now when empty"
            step={60}
          />
        </div>
        <ProblemAlert error={explain.error} />
        <div className="actions">
          <button type="submit" disabled={explain.isPending}>
            Explain
          </button>
        </div>
      </form>
      <div role="status">{explain.data && <ExplanationView explanation={explain.data} />}</div>
    </>
  );
}

function ExplanationView({ explanation }: { explanation: Explanation }) {
  const approved = explanation.action === 'APPROVE';
  return (
    <section aria-label="Explanation" className="explanation">
      <p>
        Version {explanation.version} would{' '}
        <strong className={`badge ${approved ? 'ok' : 'bad'}`} data-testid="explained-verdict">
          {explanation.action}
        </strong>{' '}
        {explanation.rule ? (
          <>
            by rule <strong data-testid="explained-rule">{explanation.rule}</strong>
          </>
        ) : (
          'with no rule deciding'
        )}
        : {reasonWords(explanation.reason)} <code>{explanation.reason}</code>
      </p>
      {explanation.trace.length > 0 && (
        <table>
          <caption className="muted small">Rule by rule, up to the one that decided</caption>
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Rule</th>
              <th scope="col">Outcome</th>
            </tr>
          </thead>
          <tbody>
            {explanation.trace.map((step) => (
              <tr key={step.rule}>
                <td>{step.rule + 1}</td>
                <td>{step.name}</td>
                <td className={step.outcome === 'matched' ? 'ok' : undefined}>
                  {traceWords(step.outcome)} <code className="muted">{step.outcome}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
