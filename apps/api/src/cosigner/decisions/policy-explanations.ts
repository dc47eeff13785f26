import { Injectable } from '@nestjs/common';
import { AuditTrail } from '@ringfence/audit';
import { RequestProblems } from '@ringfence/problems';
import { UnitOfWork } from '@ringfence/tenancy';
import { PolicyOwner, PolicyVersions } from '../policies/policy-versions';
import { parseDecimal } from '../policy/decimal';
import { explain, RuleTrace, TransferFacts } from '../policy/policy-engine';
import { CapWindows } from './cap-windows';

/** A transfer as the explain route takes it (amount a plain decimal string, already checked). */
export interface SampleTransfer {
  readonly operation?: string;
  readonly asset?: string;
  readonly amount?: string;
  readonly source?: { readonly type: string; readonly id?: string };
  readonly destinations?: readonly { readonly type?: string; readonly id?: string; readonly address?: string }[];
  readonly at?: string;
}

export interface PolicyExplanation {
  version: number;
  action: 'APPROVE' | 'REJECT';
  reason: string;
  rule: string | null;
  trace: RuleTrace[];
}

/** The explain route: a policy version's decision on a sample transfer, with the engine's trace, deciding nothing. */
@Injectable()
export class PolicyExplanations {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly policies: PolicyVersions,
    private readonly windows: CapWindows,
    private readonly trail: AuditTrail,
  ) {}

  /**
   * What the version (the active one when none is named) would decide for a sample
   * transfer, and why, rule by rule: the caps' windows are read as they stand, nothing is
   * reserved or recorded.
   */
  explain(owner: PolicyOwner, sample: SampleTransfer, version?: number): Promise<PolicyExplanation> {
    const amount = sample.amount === undefined ? undefined : parseDecimal(sample.amount);
    if (sample.amount !== undefined && !amount) {
      throw RequestProblems.VALIDATION_FAILED({
        errors: [{ field: 'transfer.amount', messages: ['amount has more digits than an amount may have (78, 36 after the point)'] }],
      });
    }
    return this.unitOfWork.read(async () => {
      const policy = await this.policies.decidingVersion(owner, version);
      if (!policy) throw RequestProblems.NOT_FOUND({ detail: 'This workspace has no active policy to explain; name a version.' });
      const facts: TransferFacts = {
        operation: sample.operation ?? 'TRANSFER',
        ...(sample.asset === undefined ? {} : { asset: sample.asset }),
        ...(amount === undefined ? {} : { amount }),
        ...(sample.source === undefined ? {} : { source: sample.source }),
        destinations: sample.destinations ?? [],
        at: sample.at === undefined ? new Date() : new Date(sample.at),
      };
      const decision = await this.windows.decide(owner, policy.document, facts, false);
      // The trace is the engine's own, from the same facts; the decision above read the real window.
      const { trace } = explain(policy.document, facts, () => ({ sum: parseDecimal('0')!, count: 0 }));
      this.trail.record({
        target: { type: 'policy', id: `${owner.workspaceId}:${owner.environment}` },
        workspaceId: owner.workspaceId,
        environment: owner.environment,
        after: { explained: { version: policy.version, action: decision.action, reason: decision.reason } },
      });
      return { version: policy.version, action: decision.action, reason: decision.reason, rule: decision.ruleName ?? null, trace };
    });
  }
}
