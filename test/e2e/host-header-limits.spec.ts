import { connect } from 'node:net';
import { statedLimit } from '../support/assertions';
import { useTestApp } from '../support/use-test-app';

/**
 * A request refused for its Host headers (none in HTTP/1.1, or two) is a request from an
 * address all the same: L1 counts it, and a spent address gets its 429 for it too.
 */
describe('L1 and requests refused for their Host', () => {
  const t = useTestApp({ env: { TRUSTED_PROXIES: '127.0.0.1', RATE_LIMIT_IP_PER_MINUTE: '4' }, listen: true });

  const raw = (request: string): Promise<{ status: number; headers: Record<string, string>; body: Record<string, unknown> }> =>
    new Promise((resolve, reject) => {
      const socket = connect({ host: t.url.hostname, port: Number(t.url.port) }, () => socket.end(request));
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('error', reject);
      socket.on('close', () => {
        const [head = '', body = ''] = Buffer.concat(chunks).toString('utf8').split('\r\n\r\n');
        const [statusLine = '', ...lines] = head.split('\r\n');
        const headers = Object.fromEntries(
          lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
        );
        resolve({ status: Number(statusLine.split(' ')[1]), headers, body: JSON.parse(body) as Record<string, unknown> });
      });
    });

  it('counts requests with two Host headers or none against the address limit', async () => {
    const from = 'X-Forwarded-For: 198.51.100.7\r\nConnection: close\r\n';
    const answers = [];
    for (const hosts of ['Host: a\r\nHost: b\r\n', '', 'Host: a\r\nHost: b\r\n', '', 'Host: a\r\nHost: b\r\n'])
      answers.push(await raw(`GET /v1/workspace HTTP/1.1\r\n${hosts}${from}\r\n`));
    expect(answers.map((answer) => [answer.status, answer.body.code])).toEqual([
      [400, 'BAD_REQUEST'],
      [400, 'BAD_REQUEST'],
      [400, 'BAD_REQUEST'],
      [400, 'BAD_REQUEST'],
      [429, 'RATE_LIMITED'],
    ]);
    expect(statedLimit(answers[0]!.headers).remaining).toBe(3);
    expect((await raw(`GET /v1/workspace HTTP/1.1\r\nHost: x\r\n${from}\r\n`)).body.code).toBe('RATE_LIMITED');
  });
});
