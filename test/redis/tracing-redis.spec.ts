import { runTracingProbe } from '../support/run-tracing-probe';
import { startTestRedis, TestRedis } from '../support/test-redis';
import { useTestApp } from '../support/use-test-app';

describe('OpenTelemetry tracing with Redis', () => {
  jest.setTimeout(180_000);
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(() => redis.stop());
  const t = useTestApp();

  it("records the shared limits' Redis commands in the request's trace, by command name only", async () => {
    const report = await runTracingProbe('on', t.db.appUrl, redis.url);
    const refused = report.answers.find((answer) => answer.path === '/v1/workspace')!;
    expect(refused.status).toBe(401);
    const server = report.spans.find((span) => span.kind === 1 && span.attributes['ringfence.request_id'] === refused.requestId)!;
    expect(server).toBeDefined();
    const commands = report.spans.filter((span) => span.traceId === server.traceId && span.attributes['db.system.name'] === 'redis');
    expect(commands.length).toBeGreaterThan(0);
    // The limit's keys carry the client's address: the statement is the command's name alone.
    for (const command of commands) expect(command.attributes['db.query.text']).toBe(command.name);
  });
});
