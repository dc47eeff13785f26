import type { INestApplicationContext } from '@nestjs/common';
import { UnitOfWork } from '@ringfence/tenancy';
import { CapWindows } from '../cosigner/decisions/cap-windows';
import type { PolicyOwner } from '../cosigner/policies/policy-versions';
import { PolicyVersions } from '../cosigner/policies/policy-versions';
import { parseDecimal } from '../cosigner/policy/decimal';

/** A transfer as a decision under the owner's active policy would read it. */
export interface HeldTransfer {
  readonly asset: string;
  readonly amount: string;
  readonly source: { readonly type: string; readonly id: string };
  readonly destination: { readonly type?: string; readonly id?: string; readonly address?: string };
}

/**
 * Another decision of the same cap window, in flight: a transaction of the workspace (as
 * its provider) that decides `transfer` under the active policy, taking the window's lock
 * as every decision that may reserve does, and holds it until `release()`. Meanwhile a
 * callback about a transfer of that window waits for the lock past its decision timeout
 * (COSIGNER_DECISION_TIMEOUT_MS) and is answered RETRY. For the demo and its spec.
 */
export async function holdCapWindow(
  app: INestApplicationContext,
  owner: PolicyOwner,
  provider: string,
  transfer: HeldTransfer,
): Promise<{ release(): Promise<void> }> {
  let held!: () => void;
  let release!: () => void;
  const holding = new Promise<void>((resolve) => (held = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  const unitOfWork = app.get(UnitOfWork);
  const done = unitOfWork.run(
    async () => {
      const policy = await app.get(PolicyVersions).decidingVersion(owner);
      if (!policy) throw new Error('the workspace has no active policy');
      const facts = {
        operation: 'TRANSFER',
        asset: transfer.asset,
        amount: parseDecimal(transfer.amount),
        source: transfer.source,
        destinations: [transfer.destination],
        at: new Date(),
      };
      await app.get(CapWindows).decide(owner, policy.document, facts, true);
      held();
      await released;
    },
    { principal: { kind: 'provider', provider, ...owner }, longRunning: true },
  );
  await Promise.race([holding, done]);
  return {
    release: async () => {
      release();
      await done;
    },
  };
}
