import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { logJobFailure, Principal, UnitOfWork } from '@ringfence/tenancy';

const FLUSH_INTERVAL_MS = 10_000;
const USAGE_WRITER: Principal = { kind: 'system', process: 'api-key-usage' };

/**
 * `last_used_at`, off the hot path: a request only notes its key in memory; one UPDATE
 * every ten seconds (and at shutdown) writes the keys used since. Precision is ten
 * seconds, which is what "last used" needs.
 */
@Injectable()
export class ApiKeyUsage implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ApiKeyUsage.name);
  private used = new Set<string>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly unitOfWork: UnitOfWork) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.flushQuietly(), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush().catch(() => undefined);
  }

  touch(keyId: string): void {
    this.used.add(keyId);
  }

  /** Writes the keys used since the last flush; keys it could not write are kept for the next one. */
  async flush(): Promise<void> {
    if (this.used.size === 0) return;
    const keyIds = [...this.used];
    this.used = new Set();
    try {
      await this.unitOfWork.run(
        () => this.unitOfWork.manager.query(`UPDATE api_keys SET last_used_at = now() WHERE key_id = ANY($1::text[])`, [keyIds]),
        { principal: USAGE_WRITER },
      );
    } catch (error) {
      for (const keyId of keyIds) this.used.add(keyId);
      throw error;
    }
  }

  /** The timer's run: never rejects; a failure is logged unless it is the database's outage. */
  flushQuietly(): Promise<void> {
    return this.flush().catch((error: unknown) => logJobFailure(this.logger, error, 'could not record API key usage'));
  }
}
