import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { KeyRevocation, KeyRevocations, LocalKeyRevocations, parseKeyRevocation } from '../workspaces/api-keys/key-revocations';
import { RedisConnection } from './redis-connection';

const CHANNEL = 'rf:api-key-revocations';

/**
 * Revocations over Redis pub/sub: this instance forgets at once, every other one as the
 * message arrives. A lost message (Redis down) leaves the verified-key cache's short
 * lifetime as the bound. Notices hold public ids only; a forged one can only cause a
 * cache miss.
 */
@Injectable()
export class RedisKeyRevocations implements KeyRevocations, OnModuleInit {
  private readonly local = new LocalKeyRevocations();
  private readonly logger = new Logger(RedisKeyRevocations.name);

  constructor(private readonly redis: RedisConnection) {}

  onModuleInit(): void {
    this.redis.subscriber.on('message', (channel: string, message: string) => {
      const notice = channel === CHANNEL ? parseKeyRevocation(message) : null;
      if (notice) this.local.publish(notice);
    });
    // Queued until connected: boot does not wait on Redis.
    void this.redis.subscriber.subscribe(CHANNEL).catch(() => undefined);
  }

  publish(notice: KeyRevocation): void {
    this.local.publish(notice);
    this.redis.commands.publish(CHANNEL, JSON.stringify(notice)).catch(() => {
      this.logger.warn('a key revocation could not be published; other instances drop the key when their cache entry expires');
    });
  }

  subscribe(listener: (notice: KeyRevocation) => void): void {
    this.local.subscribe(listener);
  }
}
