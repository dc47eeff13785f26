import { PipelineProbeModule, slowGate } from '../support/pipeline-probe.module';
import { useTestApp } from '../support/use-test-app';

describe('graceful shutdown', () => {
  const t = useTestApp({ features: [PipelineProbeModule], listen: true });

  it('stops accepting, finishes the request in flight, then closes the pool [V16.5.3]', async () => {
    const base = t.url.origin;

    const entered = new Promise<void>((resolve) => (slowGate.entered = resolve));
    const inFlight = fetch(`${base}/probe/slow`);
    await entered;

    const closing = t.close();
    await expect(fetch(`${base}/health/live`)).rejects.toThrow();
    slowGate.release?.();

    const response = await inFlight;
    expect(response.status).toBe(200);
    // Its keep-alive connection ends with it: the client cannot hold the shutdown open.
    expect(response.headers.get('connection')).toBe('close');
    expect(await response.json()).toEqual({ finished: true });
    await closing;

    const { DataSource } = await import('typeorm');
    expect(t.app.get(DataSource).isInitialized).toBe(false);
  });
});
