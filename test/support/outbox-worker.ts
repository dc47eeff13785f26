import { Outbox, RequestContext, UnitOfWork } from '@ringfence/tenancy';
import { DataSource } from 'typeorm';

/** One outbox worker for the database specs: its own pool, its own unit of work, its own Outbox. */
export interface OutboxWorker {
  source: DataSource;
  unitOfWork: UnitOfWork;
  outbox: Outbox;
}

/** A worker on `url` (the app role's), as a second process would be; destroy its `source` after. */
export async function outboxWorker(url: string): Promise<OutboxWorker> {
  const source = await new DataSource({ type: 'postgres', url, extra: { max: 4 } }).initialize();
  const unitOfWork = new UnitOfWork(source, new RequestContext());
  return { source, unitOfWork, outbox: new Outbox(unitOfWork) };
}
