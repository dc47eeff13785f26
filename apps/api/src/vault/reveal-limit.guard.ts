import { CanActivate, Inject, Injectable } from '@nestjs/common';
import { SecurityEvents } from '@ringfence/audit';
import { AttemptBudget, AttemptLimiter, callerOf } from '@ringfence/auth';
import { RequestContext } from '@ringfence/tenancy';
import { VAULT_OPTIONS, VaultOptions } from './vault.options';

/**
 * Reveals per API key, on top of the key's request limit: a leaked `vault:reveal` key
 * drains a vault at this pace at most. Counted in the rate limits' storage (shared through
 * Redis when configured); the first refusal of a block is audited. Runs before the
 * route's transaction opens, so a refused reveal costs no database connection.
 */
@Injectable()
export class RevealLimitGuard implements CanActivate {
  private readonly budget: AttemptBudget;

  constructor(
    private readonly limiter: AttemptLimiter,
    private readonly context: RequestContext,
    private readonly events: SecurityEvents,
    @Inject(VAULT_OPTIONS) options: VaultOptions,
  ) {
    this.budget = { name: 'vault-reveal-key', limit: options.revealsPerMinute, windowMs: 60_000, blockMs: 60_000 };
  }

  async canActivate(): Promise<boolean> {
    const caller = callerOf(this.context, 'api_key');
    await this.limiter.enforce([[this.budget, caller.keyId]], () =>
      this.events.record({ action: 'vault_secret.reveal', outcome: 'denied', reason: 'rate_limited' }),
    );
    return true;
  }
}
