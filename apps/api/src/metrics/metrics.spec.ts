import { Metrics } from './metrics';

describe('Metrics', () => {
  it('exposes the request series as a counter and a cumulative histogram, by method, route pattern and status', async () => {
    const metrics = new Metrics();
    metrics.observeRequest('GET', '/v1/vault/secrets/:name', 200, 0.4);
    metrics.observeRequest('GET', '/v1/vault/secrets/:name', 200, 3000);
    metrics.observeRequest('GET', null, 404, 0.2);
    const text = await metrics.render();
    const labels = 'method="GET",route="/v1/vault/secrets/:name",status="200"';
    expect(text).toContain('# TYPE ringfence_http_requests_total counter');
    expect(text).toContain(`ringfence_http_requests_total{${labels}} 2`);
    expect(text).toContain('ringfence_http_requests_total{method="GET",route="unmatched",status="404"} 1');
    expect(text).toContain('# TYPE ringfence_http_request_duration_seconds histogram');
    expect(text).toContain(`ringfence_http_request_duration_seconds_bucket{${labels},le="0.001"} 1`);
    expect(text).toContain(`ringfence_http_request_duration_seconds_bucket{${labels},le="2.5"} 1`);
    expect(text).toContain(`ringfence_http_request_duration_seconds_bucket{${labels},le="5"} 2`);
    expect(text).toContain(`ringfence_http_request_duration_seconds_bucket{${labels},le="+Inf"} 2`);
    expect(text).toContain(`ringfence_http_request_duration_seconds_sum{${labels}} 3.0004`);
    expect(text).toContain(`ringfence_http_request_duration_seconds_count{${labels}} 2`);
  });

  it('counts limit refusals and auth failures by the problem answered, nothing else', async () => {
    const metrics = new Metrics();
    metrics.observeRequest('GET', '/v1/workspace', 429, 1, 'RATE_LIMITED', 'api_key');
    metrics.observeRequest('GET', '/v1/workspace', 401, 1, 'UNAUTHENTICATED', 'api_key');
    metrics.observeRequest('GET', '/v1/workspace', 400, 1, 'VALIDATION_FAILED', 'api_key');
    const text = await metrics.render();
    expect(text).toContain('ringfence_limit_refusals_total{code="RATE_LIMITED"} 1');
    expect(text).toContain('ringfence_auth_failures_total{credential="api_key",reason="unauthenticated"} 1');
    expect(text).not.toContain('VALIDATION_FAILED');
  });

  it('skips a scrape-time reading that fails, and still answers', async () => {
    const metrics = new Metrics();
    const gauge = metrics.gauge('ringfence_test_reading', 'a reading');
    metrics.collectAtScrape(() => gauge.set(7));
    metrics.collectAtScrape(() => Promise.reject(new Error('database down')));
    expect(await metrics.render()).toContain('ringfence_test_reading 7');
  });
});
