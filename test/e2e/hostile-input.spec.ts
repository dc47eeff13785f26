import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { generateApiKey } from '../../apps/api/src/workspaces/api-keys/api-key-format';
import { TestAdmin } from '../support/admin-session';
import { TestKey } from '../support/api-key';
import { listenOn, TestApp } from '../support/test-app';
import { useTestApp } from '../support/use-test-app';

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
const PROBLEM = /^application\/problem\+json(; charset=utf-8)?$/;

/** A 1 MB body of each hostile shape an outside tester sent. */
const HOSTILE_SHAPES: Record<string, () => string> = {
  '90,000 unknown keys': () => `{${Array.from({ length: 90_000 }, (_, i) => `"k${i}":1`).join(',')}}`,
  'a 523,000-item array': () => `[${'0,'.repeat(523_000)}0]`,
  'objects nested 10,000 deep': () => `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`,
  'objects nested 170,000 deep': () => `${'{"a":'.repeat(170_000)}1${'}'.repeat(170_000)}`,
  'arrays nested 400,000 deep': () => `${'['.repeat(400_000)}${']'.repeat(400_000)}`,
  'objects with 300 keys each, in an array': () =>
    `[${Array.from({ length: 300 }, () => `{${Array.from({ length: 300 }, (_, i) => `"k${i}":1`).join(',')}}`).join(',')}]`,
};

/**
 * What the boundary does with hostile input: bodies bounded in shape before anything walks
 * them, text refused where PostgreSQL or a validator would choke on it, bytes decoded
 * strictly, and what the HTTP parser refuses answered in the problem envelope. And, over
 * every route of the OpenAPI document, no hostile value in a body, query or path reaches a 500.
 */
describe('hostile input at the boundary', () => {
  // On a real socket (`t.url`) too, for what only Node's HTTP parser sees.
  const t = useTestApp({ env: { VAULT_REVEALS_PER_MINUTE: '100000', VAULT_WORKSPACE_REVEALS_PER_MINUTE: '100000' }, listen: true });
  let owner: TestAdmin;
  /** Signs in for the sweep of /v1/auth routes, whose wrong codes may end its sessions. */
  let sweeper: TestAdmin;
  let key: TestKey;

  beforeAll(async () => {
    owner = await t.newAdmin('owner');
    sweeper = await t.newAdmin('owner');
    key = await t.newKey({ scopes: ['keys:manage', 'vault:read', 'vault:write', 'vault:reveal', 'audit:read'], by: owner });
  });

  const send = (method: Method, url: string, payload: string | Buffer | object | undefined, headers: Record<string, string> = {}) =>
    t.app.inject({
      method,
      url,
      headers: { ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(payload === undefined
        ? {}
        : { payload: typeof payload === 'object' && !Buffer.isBuffer(payload) ? JSON.stringify(payload) : payload }),
    });
  const errorLines = () => t.logs.filter((line) => (line.level as number) >= 50);

  describe('bodies are bounded in shape before validation walks them', () => {
    it.each(Object.keys(HOSTILE_SHAPES))('refuses %s with a short 400, logging no error [API4:2023]', async (shape) => {
      const body = HOSTILE_SHAPES[shape]!();
      expect(body.length).toBeLessThanOrEqual(1024 * 1024);
      const before = errorLines().length;
      const response = await send('POST', '/v1/auth/login', body);
      expect(response.statusCode).toBe(400);
      expect(response.headers['content-type']).toMatch(PROBLEM);
      expect(response.json()).toMatchObject({ code: 'BODY_TOO_COMPLEX', status: 400 });
      expect(response.body.length).toBeLessThan(1_000);
      expect(errorLines()).toHaveLength(before);
    });

    it('keeps /health/live answering while hostile bodies arrive', async () => {
      const hostile = Object.values(HOSTILE_SHAPES).flatMap((shape) => [shape(), shape()]);
      const attacks = hostile.map((body) =>
        fetch(new URL('/v1/auth/login', t.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then(
          (r) => r.status,
        ),
      );
      const probes = Array.from({ length: 20 }, () => fetch(new URL('/health/live', t.url)).then((r) => r.status));
      expect(await Promise.all(probes)).toEqual(Array(20).fill(200));
      expect(await Promise.all(attacks)).toEqual(Array(hostile.length).fill(400));
    });

    it('lists at most 20 invalid fields, with bounded names [V1.3.3]', async () => {
      const body = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`${'x'.repeat(1000)}${i}`, 1]));
      const response = await send('POST', '/v1/auth/login', body);
      expect(response.statusCode).toBe(400);
      const { errors } = response.json<{ errors: { field: string; messages: string[] }[] }>();
      expect(errors).toHaveLength(20);
      for (const error of errors) {
        expect(error.field.length).toBeLessThanOrEqual(65);
        for (const message of error.messages) expect(message.length).toBeLessThanOrEqual(201);
      }
      expect(response.body.length).toBeLessThan(10_000);
    });

    it('still accepts an ordinary body', async () => {
      const response = await send('POST', '/v1/auth/login', { email: 'nobody@example.com', password: 'not the password' });
      expect(response.statusCode).toBe(401);
    });
  });

  describe('text PostgreSQL or a validator would choke on is a 400, never a 500', () => {
    const NUL = 'a\u0000b';
    const LONE = 'x\ud800y';

    it.each([
      ['a workspace name', () => send('POST', '/v1/admin/workspaces', { name: NUL }, owner.headers)],
      [
        'an admin key name',
        async () =>
          send(
            'POST',
            `/v1/admin/workspaces/${key.workspaceId}/api-keys`,
            { name: NUL, scopes: ['audit:read'], environment: 'live' },
            owner.headers,
          ),
      ],
      ['a self-serve key name', () => send('POST', '/v1/api-keys', { name: NUL, scopes: ['audit:read'] }, key.headers)],
      ['a vault description', () => send('POST', '/v1/vault/secrets', { name: 'nul-desc', value: 'v', description: NUL }, key.headers)],
      ['a vault value', () => send('POST', '/v1/vault/secrets', { name: 'nul-value', value: NUL }, key.headers)],
      ['a key in a body', () => send('POST', '/v1/vault/secrets', { name: 'nul-key', value: 'v', [NUL]: 1 }, key.headers)],
      ['an audit filter', () => send('GET', `/v1/audit/events?actorId=${encodeURIComponent(NUL)}`, undefined, owner.headers)],
      ['an audit prefix filter', () => send('GET', `/v1/audit/events?action=${encodeURIComponent('a\u0000.')}`, undefined, owner.headers)],
      ['a query key', () => send('GET', `/v1/audit/events?${encodeURIComponent(NUL)}=1`, undefined, owner.headers)],
      ['the keyId path parameter', () => send('DELETE', '/v1/api-keys/a%00b', undefined, key.headers)],
      [
        'an admin keyId path parameter',
        () => send('DELETE', `/v1/admin/workspaces/${key.workspaceId}/api-keys/a%00b`, undefined, owner.headers),
      ],
      ['a vault secret name', () => send('GET', '/v1/vault/secrets/a%00b', undefined, key.headers)],
      ['an email with a lone surrogate (login)', () => send('POST', '/v1/auth/login', { email: '\ud800', password: 'x' })],
      [
        'an email with a lone surrogate (forgot password)',
        () => send('POST', '/v1/auth/password/forgot', { email: `${LONE}@example.com` }),
      ],
      [
        'an email with a lone surrogate (admin creation)',
        () => send('POST', '/v1/admin/admins', { email: `${LONE}@example.com`, role: 'admin' }, owner.headers),
      ],
      ['a lone low surrogate', () => send('POST', '/v1/admin/workspaces', { name: 'x\udc00' }, owner.headers)],
    ])('%s [V1.3.3]', async (_what, call) => {
      const before = errorLines().length;
      const response = await call();
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(errorLines()).toHaveLength(before);
    });

    it.each(['toString', 'valueOf', 'hasOwnProperty', 'constructor', '__defineGetter__', 'isPrototypeOf'])(
      'refuses a key named after a built-in: %s [V1.5.2]',
      async (name) => {
        const response = await send('POST', '/v1/admin/workspaces', `{"name":"ok","${name}":"x"}`, owner.headers);
        expect(response.statusCode).toBe(400);
        expect(response.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: name }] });
      },
    );

    it.each(['{"name":"ok","__proto__":{"polluted":"yes"}}', '{"name":"ok","constructor":{"prototype":{"polluted":"yes"}}}'])(
      'refuses a body that would reach a prototype, and pollutes nothing: %s [V1.5.2]',
      async (body) => {
        const response = await send('POST', '/v1/admin/workspaces', body, owner.headers);
        expect(response.statusCode).toBe(400);
        expect(response.headers['content-type']).toMatch(PROBLEM);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      },
    );

    it('names the offending field without echoing the raw text', async () => {
      const response = await send('POST', '/v1/admin/workspaces', { name: NUL }, owner.headers);
      expect(response.json()).toMatchObject({ errors: [{ field: 'name' }] });
      expect(response.body).not.toContain('\u0000');
    });

    it('stores nothing from a refused request [V1.3.3]', async () => {
      await send('POST', '/v1/admin/workspaces', { name: `hostile${NUL}` }, owner.headers);
      expect((await t.superuser.query(`SELECT count(*)::int AS n FROM workspaces WHERE name LIKE 'hostile%'`)).rows).toEqual([{ n: 0 }]);
    });
  });

  describe('bytes are decoded strictly as UTF-8', () => {
    it('refuses invalid UTF-8 instead of storing replacement characters [V1.1.1]', async () => {
      const raw = Buffer.concat([Buffer.from('{"name":"bytes","value":"pass'), Buffer.from([0xff, 0xfe]), Buffer.from('word"}')]);
      const response = await send('POST', '/v1/vault/secrets', raw, key.headers);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ code: 'INVALID_ENCODING' });
      expect((await send('GET', '/v1/vault/secrets/bytes', undefined, key.headers)).statusCode).toBe(404);
    });

    it.each([
      ['an overlong encoding', [0xc0, 0xaf]],
      ['an encoded surrogate', [0xed, 0xa0, 0x80]],
      ['a truncated sequence', [0xe2, 0x82]],
    ])('refuses %s [V1.1.1]', async (_what, bytes) => {
      const raw = Buffer.concat([Buffer.from('{"name":"'), Buffer.from(bytes), Buffer.from('"}')]);
      expect((await send('POST', '/v1/admin/workspaces', raw, owner.headers)).json()).toMatchObject({ code: 'INVALID_ENCODING' });
    });

    it('accepts UTF-8 text, declared or not, and refuses any other charset with a 415', async () => {
      const value = 'pässwörd ✓ 😀';
      for (const [name, type] of [
        ['declared', 'application/json; charset=utf-8'],
        ['upper', 'application/json; charset="UTF-8"'],
        ['undeclared', 'application/json'],
      ] as const) {
        const created = await send('POST', '/v1/vault/secrets', Buffer.from(JSON.stringify({ name: `utf8-${name}`, value })), {
          ...key.headers,
          'content-type': type,
        });
        expect(created.statusCode).toBe(201);
        const revealed = await send('POST', `/v1/vault/secrets/utf8-${name}/reveal`, {}, key.headers);
        expect(revealed.json()).toMatchObject({ value });
      }
      for (const type of [
        'application/json; charset=latin1',
        'application/json; charset=utf-16',
        'application/json; x="a;charset=utf-8"; charset=utf-16',
      ]) {
        const refused = await send('POST', '/v1/vault/secrets', JSON.stringify({ name: 'latin', value: 'v' }), {
          ...key.headers,
          'content-type': type,
        });
        expect(refused.statusCode).toBe(415);
        expect(refused.headers['content-type']).toMatch(PROBLEM);
      }
    });

    it('refuses a compressed body rather than read its bytes as JSON', async () => {
      const refused = await send('POST', '/v1/vault/secrets', JSON.stringify({ name: 'zipped', value: 'v' }), {
        ...key.headers,
        'content-encoding': 'gzip',
      });
      expect(refused.statusCode).toBe(415);
      expect(refused.json()).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
    });
  });

  describe('what the HTTP parser refuses is answered as a problem', () => {
    /** Writes raw bytes to a fresh connection; resolves with everything the server sent until it closed. */
    const raw = (request: string | Buffer): Promise<string> =>
      new Promise((resolve, reject) => {
        const socket = connect({ host: t.url.hostname, port: Number(t.url.port) }, () => socket.end(request));
        const chunks: Buffer[] = [];
        socket.on('data', (chunk: Buffer) => chunks.push(chunk));
        socket.on('error', reject);
        socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
      });
    const parse = (answer: string) => {
      const [head = '', body = ''] = answer.split('\r\n\r\n');
      const [statusLine = '', ...headerLines] = head.split('\r\n');
      const headers = Object.fromEntries(
        headerLines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
      );
      return { status: Number(statusLine.split(' ')[1]), headers, body: JSON.parse(body) as Record<string, unknown> };
    };

    it.each([
      ['control characters in a header', 'GET /health/live HTTP/1.1\r\nHost: x\r\nX-Bad: a\u0001b\r\n\r\n', 400, 'BAD_REQUEST'],
      ['NUL in the request line', 'GET /health/\u0000live HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'BAD_REQUEST'],
      [
        'bad chunked encoding',
        'POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n',
        400,
        'BAD_REQUEST',
      ],
      ['headers over 16 KB', `GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'HEADERS_TOO_LARGE'],
      ['an unknown method [V4.1.4]', 'TRACK /health/live HTTP/1.1\r\nHost: x\r\n\r\n', 501, 'NOT_IMPLEMENTED'],
      ['no Host in an HTTP/1.1 request', 'GET /health/live HTTP/1.1\r\n\r\n', 400, 'BAD_REQUEST'],
      ['two Host headers', 'GET /health/live HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', 400, 'BAD_REQUEST'],
      ['an Expect other than 100-continue', 'GET /health/live HTTP/1.1\r\nHost: x\r\nExpect: foo\r\n\r\n', 417, 'EXPECTATION_FAILED'],
      ['CONNECT [V4.1.4]', 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n', 501, 'NOT_IMPLEMENTED'],
      [
        'both Content-Length and chunked',
        'POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
        400,
        'BAD_REQUEST',
      ],
    ])('%s', async (_what, request, status, code) => {
      const answer = parse(await raw(request));
      expect(answer.status).toBe(status);
      expect(answer.headers['content-type']).toMatch(PROBLEM);
      expect(answer.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(answer.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(answer.headers['strict-transport-security']).toBeDefined();
      expect(answer.headers['cache-control']).toBe('no-store');
      expect(answer.body).toMatchObject({ status, code, requestId: answer.headers['x-request-id'] });
    });

    it('logs the refusal without what arrived', async () => {
      const { key: secret } = generateApiKey('live');
      await raw(`GET /health/live HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${secret}\u0001\r\n\r\n`);
      expect(t.logs.some((line) => line.msg === 'request refused before routing')).toBe(true);
      expect(t.rawLogs()).not.toContain(secret.slice(8));
    });
  });

  describe('a request that stalls is cut off', () => {
    let slow: TestApp;
    let at: URL;
    beforeAll(async () => {
      slow = await t.another({ env: { HTTP_REQUEST_TIMEOUT_MS: '500' } });
      at = await listenOn(slow);
    });
    afterAll(() => slow.close());

    /** Sends `head` and part of a body, then nothing; resolves with what the server sent before closing. */
    const stall = (head: string): Promise<string> =>
      new Promise((resolve, reject) => {
        const socket = connect({ host: at.hostname, port: Number(at.port) }, () => socket.write(head));
        const chunks: Buffer[] = [];
        socket.on('data', (chunk: Buffer) => chunks.push(chunk));
        socket.on('error', reject);
        socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
      });

    it.each([
      [
        'a body that stops arriving',
        'POST /v1/auth/password/forgot HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 26\r\n\r\n{"em',
      ],
      ['headers that stop arriving', 'GET /health/live HTTP/1.1\r\nHost: x\r\nX-Slow: '],
    ])('%s: 408 as a problem, and the connection closed', async (_what, head) => {
      const answer = await stall(head);
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(answer).toContain('content-type: application/problem+json');
      expect(answer).toContain('"code":"REQUEST_TIMEOUT"');
    });
  });

  describe('connections are bounded before any request', () => {
    let capped: TestApp;
    let at: URL;
    beforeAll(async () => {
      capped = await t.another({ env: { HTTP_MAX_CONNECTIONS_PER_ADDRESS: '4', HTTP_MAX_CONNECTIONS: '16' } });
      at = await listenOn(capped);
    });
    afterAll(() => capped.close());

    /**
     * A keep-alive connection from `localAddress` that asks /health/live once: the status
     * when the server kept it (it stays open afterwards), 0 when the server dropped it.
     */
    const connection = (localAddress: string): Promise<{ socket: Socket; status: number }> =>
      new Promise((resolve) => {
        const socket = connect({ host: at.hostname, port: Number(at.port), localAddress }, () =>
          socket.write('GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n'),
        );
        socket.once('data', (chunk: Buffer) => resolve({ socket, status: Number(chunk.toString().split(' ')[1]) }));
        socket.once('close', () => resolve({ socket, status: 0 }));
        socket.on('error', () => undefined);
      });
    /** The server hears of closed connections a moment after the client: a bounded number of fresh tries. */
    const servedOnceClosed = async (localAddress: string): Promise<number> => {
      for (let attempt = 0; attempt < 50; attempt += 1) {
        const { socket, status } = await connection(localAddress);
        await closeAll([{ socket }]);
        if (status !== 0) return status;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return 0;
    };
    const closeAll = async (held: { socket: Socket }[]) => {
      await Promise.all(
        held.map(
          ({ socket }) =>
            new Promise((resolve) => (socket.destroyed ? resolve(undefined) : (socket.once('close', resolve), socket.destroy()))),
        ),
      );
    };

    it('holds at most HTTP_MAX_CONNECTIONS_PER_ADDRESS idle connections from one address, and serves other addresses meanwhile [API4:2023 V15.2.2]', async () => {
      const held = await Promise.all(Array.from({ length: 6 }, () => connection('127.0.0.2')));
      expect(held.map(({ status }) => status).sort()).toEqual([0, 0, 200, 200, 200, 200]);
      const other = await connection('127.0.0.3');
      expect(other.status).toBe(200);
      await closeAll([...held, other]);
      expect(await servedOnceClosed('127.0.0.2')).toBe(200);
    });

    it('holds at most HTTP_MAX_CONNECTIONS in all [V15.2.2 API4:2023]', async () => {
      const held = await Promise.all(Array.from({ length: 20 }, (_, i) => connection(`127.0.1.${i + 1}`)));
      expect(held.filter(({ status }) => status === 200)).toHaveLength(16);
      await closeAll(held);
      expect(await servedOnceClosed('127.0.0.4')).toBe(200);
    });
  });

  /**
   * Every route in the committed OpenAPI document, with hostile values in each body field,
   * query parameter and path parameter it declares (one at a time), as a caller allowed to
   * reach it: whatever the answer, it is never a 5xx, and always a problem document.
   */
  describe('no hostile value reaches a 500, on any route', () => {
    const HOSTILE_TEXT = [
      '',
      'a\u0000b',
      'x\ud800',
      'x'.repeat(70_000),
      '\u202e\ufeff\u200b',
      '😀'.repeat(500),
      "' OR 1=1 --",
      '../../../../etc/passwd',
      '%00%ff',
      '275760-09-13T00:00:00.001Z',
      '-271821-04-20T00:00:00.000Z',
      '9999-99-99',
      '2024-W01-1',
      '2024-366',
      '20240101T000000Z',
      '2024-01-01T00Z',
      '2024-01-01T00:00:00,5Z',
      '1e309',
      '-0',
      'NaN',
      '00000000-0000-0000-0000-000000000000',
      // A well-formed key nobody issued, made at run time (no key-shaped literal in the repo).
      generateApiKey('live').key,
    ];
    const HOSTILE_VALUES: unknown[] = [
      ...HOSTILE_TEXT,
      1e308,
      -1e308,
      2 ** 53 + 1,
      -1,
      0.5,
      5e-324,
      true,
      null,
      [],
      {},
      [[[]]],
      { a: { b: 1 } },
      Array(1000).fill('x'),
    ];
    const HOSTILE_PATH = [
      'x'.repeat(256),
      '%ED%A0%80',
      '%C0%AF',
      '..%2F..',
      '%25',
      '%F0%9F%98%80',
      "'",
      'ZZZZZZZZ',
      '00000000-0000-0000-0000-000000000000',
    ];

    /** A lone surrogate has no UTF-8 form: it travels as the bytes of an encoded surrogate. */
    const inQuery = (value: string) => (value.isWellFormed() ? encodeURIComponent(value) : '%ED%A0%80');

    interface Operation {
      method: Method;
      path: string;
      params: { name: string; in: string }[];
      fields: string[];
      keyed: boolean;
    }

    const operations = (): Operation[] => {
      const document = JSON.parse(readFileSync(join(__dirname, '../../apps/api/openapi.json'), 'utf8')) as {
        paths: Record<
          string,
          Record<
            string,
            {
              parameters?: { name: string; in: string }[];
              requestBody?: { content: Record<string, { schema: { $ref?: string } }> };
              security?: Record<string, unknown>[];
            }
          >
        >;
        components: { schemas: Record<string, { properties?: Record<string, unknown>; allOf?: { $ref: string }[] }> };
      };
      const fieldsOf = (ref: string | undefined): string[] => {
        const schema = ref ? document.components.schemas[ref.split('/').pop()!] : undefined;
        return [...Object.keys(schema?.properties ?? {}), ...(schema?.allOf ?? []).flatMap((part) => fieldsOf(part.$ref))];
      };
      return Object.entries(document.paths).flatMap(([path, methods]) =>
        Object.entries(methods).map(([method, operation]) => ({
          method: method.toUpperCase() as Method,
          path,
          params: operation.parameters ?? [],
          fields: fieldsOf(operation.requestBody?.content['application/json']?.schema.$ref),
          keyed:
            (operation.security ?? []).some((scheme) => 'apiKey' in scheme) &&
            !(operation.security ?? []).some((scheme) => 'admin' in scheme),
        })),
      );
    };

    it('answers every hostile body field, query and path value below 500, as a problem [V1.2.4 V1.3.3]', async () => {
      const failures: string[] = [];
      const ops = operations();
      expect(ops.length).toBeGreaterThanOrEqual(40);
      for (const op of ops) {
        const headers = op.keyed ? key.headers : op.path.startsWith('/v1/auth/') ? sweeper.headers : owner.headers;
        const ordinary: Record<string, string> = { keyId: 'ZZZZZZZZ', name: 'some-secret' };
        const pathWith = (hostile?: { name: string; value: string }) =>
          op.path.replace(/\{(\w+)\}/g, (_all, name: string) =>
            hostile?.name === name ? hostile.value : (ordinary[name] ?? '0000000a-0000-4000-8000-000000000000'),
          );
        const attempts: { label: string; url: string; body?: object }[] = [];
        for (const field of op.fields) {
          for (const [index, value] of HOSTILE_VALUES.entries())
            attempts.push({ label: `body.${field}#${index}`, url: pathWith(), body: { [field]: value } });
        }
        for (const param of op.params.filter((p) => p.in === 'query')) {
          for (const [index, value] of HOSTILE_TEXT.entries())
            attempts.push({ label: `query.${param.name}#${index}`, url: `${pathWith()}?${param.name}=${inQuery(value)}` });
        }
        for (const param of op.params.filter((p) => p.in === 'path')) {
          for (const value of HOSTILE_PATH)
            attempts.push({
              label: `path.${param.name}=${value.slice(0, 12)}`,
              url: pathWith({ name: param.name, value }),
              ...(op.fields.length ? { body: {} } : {}),
            });
        }
        for (const attempt of attempts) {
          const response = await send(
            op.method,
            attempt.url,
            op.method === 'GET' || op.method === 'DELETE' ? undefined : (attempt.body ?? {}),
            headers,
          );
          if (response.statusCode >= 500)
            failures.push(`${op.method} ${op.path} ${attempt.label}: ${response.statusCode} ${response.body.slice(0, 200)}`);
          else if (response.statusCode >= 400 && !PROBLEM.test(String(response.headers['content-type'])))
            failures.push(`${op.method} ${op.path} ${attempt.label}: not a problem`);
        }
      }
      expect(failures).toEqual([]);
    });
  });
});
