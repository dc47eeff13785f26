import { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import type { Logger } from 'pino';

/** How long a command may wait on Redis before the limit it serves fails closed. */
const REDIS_COMMAND_TIMEOUT_MS = 500;
/** How long boot waits for a first connection; past it the app serves and fails closed until Redis answers. */
const FIRST_CONNECT_WAIT_MS = 2_000;

/**
 * The application's Redis (REDIS_URL): one connection for commands and one for
 * subscriptions. Commands never queue while disconnected, so a Redis outage turns into
 * an immediate, visible refusal, not a pile of waiting requests. The URL (it may hold a
 * password) is never logged; an outage is logged once when it starts and once when it ends.
 */
export class RedisConnection implements OnModuleInit, OnApplicationShutdown {
  readonly commands: Redis;
  readonly subscriber: Redis;
  private down = false;
  private closing = false;

  constructor(
    url: string,
    private readonly logger: Logger,
  ) {
    const retryStrategy = (attempt: number): number => Math.min(attempt * 200, 2_000);
    this.commands = new Redis(url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
      connectTimeout: FIRST_CONNECT_WAIT_MS,
      retryStrategy,
      lazyConnect: true,
    });
    // Subscriptions are queued until connected and renewed after every reconnect.
    this.subscriber = new Redis(url, {
      connectTimeout: FIRST_CONNECT_WAIT_MS,
      retryStrategy,
      lazyConnect: true,
      maxRetriesPerRequest: null,
    });
    for (const client of [this.commands, this.subscriber]) {
      client.on('error', (error: Error & { code?: string }) => this.wentDown(error.code ?? error.name));
      client.on('close', () => this.wentDown('connection closed'));
      client.on('ready', () => this.cameBack());
    }
  }

  async onModuleInit(): Promise<void> {
    const first = Promise.allSettled([this.commands.connect(), this.subscriber.connect()]);
    await Promise.race([first, new Promise((resolve) => setTimeout(resolve, FIRST_CONNECT_WAIT_MS).unref())]);
  }

  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    // A graceful QUIT only where there is a connection to say it on; nothing waits on a dead Redis.
    if (this.commands.status === 'ready') await this.commands.quit().catch(() => undefined);
    this.commands.disconnect();
    this.subscriber.disconnect();
  }

  private wentDown(reason: string): void {
    if (this.down || this.closing) return;
    this.down = true;
    this.logger.warn(`Redis unreachable (${reason}); limited routes answer 503 until it is back`);
  }

  private cameBack(): void {
    if (!this.down) return;
    this.down = false;
    this.logger.info('Redis reachable again');
  }
}
