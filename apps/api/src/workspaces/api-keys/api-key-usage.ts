import { Injectable } from '@nestjs/common';
import { Job, jobPrincipal, UnitOfWork } from '@ringfence/tenancy';

const USAGE_JOB = 'api-key-usage';
const USAGE_WRITER = jobPrincipal(USAGE_JOB);

/**
 * `last_used_at`, off the hot path: a request only notes its key in memory; one UPDATE
 * every ten seconds (and once more as the application stops) writes the keys used since.
 * Precision is ten seconds, which is what "last used" needs. An instance job: the keys
 * noted are this process's.
 */
@Injectable()
export class ApiKeyUsage {
  private used = new Set<string>();

  constructor(private readonly unitOfWork: UnitOfWork) {}

  touch(keyId: string): void {
    this.used.add(keyId);
  }

  /** Writes the keys used since the last flush; keys it could not write are kept for the next one. */
  @Job({ name: USAGE_JOB, scope: 'instance', everyMs: 10_000, finalTurnOnShutdown: true })
  async flush(): Promise<void> {
    if (this.used.size === 0) return;
    const keyIds = [...this.used];
    this.used = new Set();
    try {
      await this.unitOfWork.run(
        async () => {
          await this.unitOfWork.manager.query(`UPDATE api_keys SET last_used_at = now() WHERE key_id = ANY($1::text[])`, [keyIds]);
        },
        { principal: USAGE_WRITER },
      );
    } catch (error) {
      for (const keyId of keyIds) this.used.add(keyId);
      throw error;
    }
  }
}
