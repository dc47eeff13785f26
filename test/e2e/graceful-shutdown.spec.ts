import { PipelineProbeModule, slowGate } from '../support/pipeline-probe.module';
import { createTestApp } from '../support/test-app';
import { createTestDatabase, TestDatabase } from '../support/test-database';

describe('graceful shutdown', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('stops accepting, finishes the request in flight, then closes the pool', async () => {
    const t = await createTestApp(db, { features: [PipelineProbeModule] });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const base = await t.app.getUrl();

    const entered = new Promise<void>((resolve) => (slowGate.entered = resolve));
    const inFlight = fetch(`${base}/probe/slow`);
    await entered;

    const closing = t.close();
    await expect(fetch(`${base}/health/live`)).rejects.toThrow();
    slowGate.release?.();

    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ finished: true });
    await closing;

    const { DataSource } = await import('typeorm');
    expect(t.app.get(DataSource).isInitialized).toBe(false);
  });
});
