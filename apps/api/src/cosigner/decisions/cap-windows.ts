import { Injectable } from '@nestjs/common';
import { prepared, sqlRows, UnitOfWork } from '@ringfence/tenancy';
import { Decimal, formatDecimal, parseDecimal } from '../policy/decimal';
import type { PolicyDocument } from '../policy/policy-document';
import { decide, PolicyDecision, TransferFacts, WindowUsage } from '../policy/policy-engine';
import type { PolicyOwner } from '../policies/policy-versions';

const NOTHING_USED: WindowUsage = Object.freeze({ sum: parseDecimal('0')!, count: 0 });

/** Which window a decision read, if any: the rule (by name) and asset whose usage it needed. */
interface WindowAsked {
  readonly rule: number;
  readonly asset: string;
}

/**
 * The rolling windows of the policy's caps, kept exact across instances: one window per
 * workspace, environment, rule name and asset (a new policy version keeps the windows of
 * the rules it keeps by name). A decision that reads a window holds its advisory lock until
 * its transaction ends, so two callbacks never both spend the last of a cap; sums are
 * PostgreSQL numerics (exact), and a reservation is released, never deleted, when the
 * provider fails an approved transfer.
 */
@Injectable()
export class CapWindows {
  constructor(private readonly unitOfWork: UnitOfWork) {}

  /**
   * Decides `facts` under `document` with the window its deciding rule reads, locked when
   * `lock` (a decision that will reserve) or read as it stands (an explanation). The engine
   * asks for at most one window; it is run once to learn which, then with the real usage.
   */
  async decide(owner: PolicyOwner, document: PolicyDocument, facts: TransferFacts, lock: boolean): Promise<PolicyDecision> {
    let asked: WindowAsked | undefined;
    const first = decide(document, facts, (rule, asset) => {
      asked = { rule, asset };
      return NOTHING_USED;
    });
    if (!asked) return first;
    const rule = document.rules[asked.rule]!;
    const used = await this.usage(owner, rule.name, asked.asset, rule.caps!.window!.seconds, lock);
    return decide(document, facts, () => used);
  }

  /** Records an approval's claim on its window, in the decision's transaction. */
  async reserve(owner: PolicyOwner, ruleName: string, asset: string, amount: Decimal, transferId: string): Promise<void> {
    await this.unitOfWork.manager.query(
      prepared(
        'rf_cosigner_cap_reserve',
        `INSERT INTO cosigner_cap_reservations (workspace_id, environment, rule_name, asset, amount, transfer_id, reserved_at)
       VALUES ($1, $2, $3, $4, $5, $6, clock_timestamp())`,
      ),
      [owner.workspaceId, owner.environment, ruleName, asset, formatDecimal(amount), transferId],
    );
  }

  /**
   * Gives back what an approved transfer reserved, when the provider failed or cancelled it
   * (the inbound-webhooks issue calls this): the windows it was counted in no longer count
   * it. Answers how many reservations were released (0 when already released).
   */
  async release(owner: PolicyOwner, transferId: string): Promise<number> {
    const released = await sqlRows<{ id: string }>(
      this.unitOfWork.manager,
      `UPDATE cosigner_cap_reservations SET released_at = now()
        WHERE workspace_id = $1 AND environment = $2 AND transfer_id = $3 AND released_at IS NULL RETURNING id`,
      [owner.workspaceId, owner.environment, transferId],
    );
    return released.length;
  }

  private async usage(owner: PolicyOwner, ruleName: string, asset: string, seconds: number, lock: boolean): Promise<WindowUsage> {
    const manager = this.unitOfWork.manager;
    if (lock) {
      await manager.query(
        prepared(
          'rf_cosigner_cap_lock',
          `SELECT pg_advisory_xact_lock(hashtextextended('cap:' || $1 || ':' || $2 || ':' || $3 || ':' || $4, 0))`,
        ),
        [owner.workspaceId, owner.environment, ruleName, asset],
      );
    }
    // clock_timestamp(), not now(): a transaction that waited for the lock measures the window from when it reads it.
    const [row] = await sqlRows<{ sum: string; count: number }>(
      manager,
      prepared(
        'rf_cosigner_cap_usage',
        `SELECT coalesce(sum(amount), 0)::text AS sum, count(*)::int AS count FROM cosigner_cap_reservations
        WHERE workspace_id = $1 AND environment = $2 AND rule_name = $3 AND asset = $4 AND released_at IS NULL
          AND reserved_at > clock_timestamp() - make_interval(secs => $5)`,
      ),
      [owner.workspaceId, owner.environment, ruleName, asset, seconds],
    );
    const sum = parseDecimal(row?.sum ?? '0');
    if (!sum) throw new Error(`cap window sum is not a plain decimal: ${row?.sum}`);
    return { sum, count: row?.count ?? 0 };
  }
}
