import { SpanKind } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { generateApiKey } from '../workspaces/api-keys/api-key-format';
import { newOpaqueToken } from '../admin-identity/tokens/opaque-token';
import { scrubValue, SpanRedactor, withoutQuery } from './span-redaction';

describe('SpanRedactor', () => {
  // Made by the code that makes real ones, at run time: nothing key-shaped sits in the repository.
  const key = generateApiKey('live').key;
  const token = newOpaqueToken().token;

  it('exports spans of every kind without a query string, a URL query, user info, a secret-named attribute or a key', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SpanRedactor(), new SimpleSpanProcessor(exporter)] });
    const tracer = provider.getTracer('spec');
    const server = tracer.startSpan('GET', {
      kind: SpanKind.SERVER,
      attributes: {
        'url.path': '/v1/workspace',
        'url.query': `api_key=${key}`,
        'http.target': `/v1/workspace?api_key=${key}`,
        'user_agent.original': `sdk/2 (${key})`,
        'http.request.header.authorization': [`Bearer ${key}`],
        'http.request.header.x-csrf-token': [token],
        'http.response.status_code': 401,
      },
    });
    server.addEvent('exception', { 'exception.message': `Route GET:/v1/x?limit=2&reset_token=${token} not found` });
    server.end();
    const client = tracer.startSpan(`POST https://hooks.example/in?token=${token}`, {
      kind: SpanKind.CLIENT,
      attributes: {
        'url.full': `https://user:${token}@hooks.example/in?token=${token}#${token}`,
        'http.url': `https://hooks.example/?t=${token}`,
      },
    });
    client.end();
    await provider.forceFlush();

    const [serverSpan, clientSpan] = exporter.getFinishedSpans();
    expect(serverSpan!.attributes).toEqual({
      'url.path': '/v1/workspace',
      'http.target': '/v1/workspace',
      'user_agent.original': 'sdk/2 (rf_live_REDACTED)',
      'http.response.status_code': 401,
    });
    expect(serverSpan!.events[0]!.attributes).toEqual({ 'exception.message': 'Route GET:/v1/x?limit=2&reset_token=REDACTED not found' });
    expect(clientSpan!.name).toBe('POST https://hooks.example/in');
    expect(clientSpan!.attributes).toEqual({ 'url.full': 'https://hooks.example/in', 'http.url': 'https://hooks.example/' });
    expect(JSON.stringify(exporter.getFinishedSpans().map((span) => [span.name, span.attributes, span.events]))).not.toMatch(
      new RegExp(`${key}|${token}`),
    );
    await provider.shutdown();
  });

  it('cuts a URL at its query or fragment and drops its user info; scrubs keys, bearer credentials and secret-named parameters from text', () => {
    expect(withoutQuery('https://a:b@host:8443/p?q=1#f')).toBe('https://host:8443/p');
    expect(withoutQuery('/v1/workspace?a=1?api_key=x')).toBe('/v1/workspace');
    expect(withoutQuery('/v1/workspace#x')).toBe('/v1/workspace');
    expect(scrubValue(`Authorization: Bearer ${token}, next`)).toBe('Authorization: Bearer REDACTED, next');
    expect(scrubValue(`?refresh_token=${token}&limit=5&api_key=${key}`)).toBe('?refresh_token=REDACTED&limit=5&api_key=REDACTED');
    expect(scrubValue('GET /v1/policies/versions/3 200')).toBe('GET /v1/policies/versions/3 200');
  });
});
