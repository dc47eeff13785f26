import type { Pool } from 'pg';
import { DataSource } from 'typeorm';

export interface PoolStats {
  readonly max: number;
  readonly total: number;
  readonly idle: number;
  /** Callers waiting for a connection. */
  readonly waiting: number;
}

/** The app pool's counters (pg-pool's), for the metrics; nothing is queried. Undefined before the pool exists. */
export function poolStats(dataSource: DataSource): PoolStats | undefined {
  const master = (dataSource.driver as unknown as { master?: Pool & { options?: { max?: number } } }).master;
  if (!master) return undefined;
  return { max: master.options?.max ?? 0, total: master.totalCount, idle: master.idleCount, waiting: master.waitingCount };
}
