import { CanActivate, Inject, Injectable } from '@nestjs/common';
import { callerOf } from '@ringfence/access';
import { SecurityEvents } from '@ringfence/audit';
import { AttemptBudget, AttemptLimiter } from '@ringfence/limits';
import { RequestContext } from '@ringfence/tenancy';
import { VAULT_OPTIONS, VaultOptions } from './vault.options';

/**
 * Reveals per API key and per vault (workspace and environment), on top of the key's
 * request limit: a leaked `vault:reveal` key drains a vault at the key's pace at most, and
 * keys minted with `keys:manage` share the vault's budget. Counted in the rate limits'
 * storage (shared through Redis when configured); the first refusal of a block is
 * audited (in its own short transaction). Runs before the route's transaction opens, so
 * a refused reveal opens none.
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

  async canActivate(): Promise<boolean> {
    const caller = callerOf(this.context, 'api_key');
    const vault = `${caller.workspaceId}:${caller.environment}`;
    const refused = () => this.events.record({ action: 'vault_secret.reveal', outcome: 'denied', reason: 'rate_limited' });
    // A vault this instance knows is full is asked first, before the key spends its own
    // budget on a reveal that could not happen.
    const vaultFirst = this.limiter.isBlocked(this.perVault, vault);
    if (vaultFirst) await this.limiter.enforce([[this.perVault, vault]], refused);
    // Otherwise the key's budget first: a key refused on its own spends nothing of its
    // vault's, so one key hammering cannot starve the vault's other keys.
    await this.limiter.enforce([[this.perKey, caller.keyId]], refused);
    if (!vaultFirst) await this.limiter.enforce([[this.perVault, vault]], refused);
    return true;
  }
}
