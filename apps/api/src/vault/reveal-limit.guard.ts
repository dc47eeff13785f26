import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { callerOf } from '@ringfence/access';
import { SecurityEvents } from '@ringfence/audit';
import { AttemptBudget, AttemptLimiter, stateLimit } from '@ringfence/limits';
import { RequestContext } from '@ringfence/tenancy';
import type { FastifyReply } from 'fastify';
import { VAULT_OPTIONS, VaultOptions } from './vault.options';

/**
 * Reveals per API key and per vault (workspace and environment), on top of the key's
 * request limit: a leaked `vault:reveal` key drains a vault at the key's pace at most, and
 * keys minted with `keys:manage` share the vault's budget. Counted in the rate limits'
 * storage (shared through Redis when configured); the first refusal of a block is
 * audited (in its own short transaction). Runs before the route's transaction opens, so
 * a refused reveal opens none. A refusal says which budget refused it, in its detail and in
 * its `RateLimit` and `RateLimit-Policy` headers (policies `vault-reveal-key` and
 * `vault-reveal-vault`), whose `t` is its `Retry-After`; they replace the request limit's.
 */
@Injectable()
export class RevealLimitGuard implements CanActivate {
  private readonly perKey: AttemptBudget;
  private readonly perVault: AttemptBudget;

  constructor(
    private readonly limiter: AttemptLimiter,
    private readonly context: RequestContext,
    private readonly events: SecurityEvents,
    @Inject(VAULT_OPTIONS) options: VaultOptions,
  ) {
    this.perKey = { name: 'vault-reveal-key', limit: options.revealsPerMinute, windowMs: 60_000, blockMs: 60_000 };
    // A cap over the sliding minute, no block beyond it: a full vault opens again as its minute slides.
    this.perVault = { name: 'vault-reveal-vault', limit: options.workspaceRevealsPerMinute, windowMs: 60_000, blockMs: 0 };
  }

  async canActivate(execution: ExecutionContext): Promise<boolean> {
    const caller = callerOf(this.context, 'api_key');
    const reply = execution.switchToHttp().getResponse<FastifyReply>();
    const vault = `${caller.workspaceId}:${caller.environment}`;
    const refused = () => this.events.record({ action: 'vault_secret.reveal', outcome: 'denied', reason: 'rate_limited' });
    const refusal = (budget: AttemptBudget, retryAfterSeconds: number): string => {
      stateLimit(reply, { policy: budget.name, limit: budget.limit, windowSeconds: budget.windowMs / 1000 }, 0, retryAfterSeconds);
      return budget === this.perKey
        ? `Too many reveals for this key: at most ${budget.limit} a minute (VAULT_REVEALS_PER_MINUTE). Retry in ${retryAfterSeconds} s.`
        : `Too many reveals from this vault (workspace and environment): at most ${budget.limit} a minute across its keys (VAULT_WORKSPACE_REVEALS_PER_MINUTE). Retry in ${retryAfterSeconds} s.`;
    };
    // A vault this instance knows is full is asked first, before the key spends its own
    // budget on a reveal that could not happen.
    const vaultFirst = this.limiter.isBlocked(this.perVault, vault);
    if (vaultFirst) await this.limiter.enforce([[this.perVault, vault]], refused, refusal);
    // Otherwise the key's budget first: a key refused on its own spends nothing of its
    // vault's, so one key hammering cannot starve the vault's other keys.
    await this.limiter.enforce([[this.perKey, caller.keyId]], refused, refusal);
    if (!vaultFirst) await this.limiter.enforce([[this.perVault, vault]], refused, refusal);
    return true;
  }
}
