import { productionEnv } from '../../../../test/support/production-env';
import { ConfigError, loadConfig } from './app-config';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env, '/srv/ringfence');
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  it('boots a development instance on the embedded database with no variables at all', () => {
    const config = loadConfig({}, '/srv/ringfence');
    expect(config.env).toBe('development');
    expect(config.database.url).toBeUndefined();
    expect(config.secretsDir).toBe('/srv/ringfence/.data/secrets');
    expect(config.http.docsEnabled).toBe(true);
    expect(config.http.port).toBe(3000);
  });

  it('names every bad variable at once', () => {
    const problems = problemsOf({ NODE_ENV: 'staging', PORT: 'eighty', CORS_ORIGINS: 'not a url', TRUSTED_PROXIES: 'evil' });
    expect(problems.join('\n')).toMatch(/NODE_ENV/);
    expect(problems.join('\n')).toMatch(/PORT/);
    expect(problems.join('\n')).toMatch(/CORS_ORIGINS/);
    expect(problems.join('\n')).toMatch(/TRUSTED_PROXIES/);
  });

  it('reads the limits: defaults, a valid catalogue, and every problem with a bad one, never echoing REDIS_URL', () => {
    const defaults = loadConfig({}, '/srv/ringfence');
    expect(defaults.rateLimits.perClientIpPerMinute).toBe(6000);
    expect(Object.keys(defaults.rateLimits.plans)).toEqual(['trial', 'standard', 'enterprise']);
    expect(defaults.redisUrl).toBeUndefined();
    const custom = loadConfig({
      RATE_LIMIT_PLANS: '{"standard":{"perKeyPerMinute":5,"perWorkspacePerMinute":9}}',
      REDIS_URL: 'redis://127.0.0.1:6379',
    });
    expect(custom.rateLimits.plans).toEqual({ standard: { perKeyPerMinute: 5, perWorkspacePerMinute: 9 } });
    expect(problemsOf({ RATE_LIMIT_PLANS: 'not json' })).toEqual(['RATE_LIMIT_PLANS must be JSON']);
    expect(problemsOf({ RATE_LIMIT_PLANS: '{"gold":{"perKeyPerMinute":0,"perWorkspacePerMinute":"many"},"Bad Name":{}}' })).toEqual([
      'RATE_LIMIT_PLANS must define the "standard" plan',
      'RATE_LIMIT_PLANS plan "gold": perKeyPerMinute must be a positive integer',
      'RATE_LIMIT_PLANS plan "gold": perWorkspacePerMinute must be a positive integer',
      'RATE_LIMIT_PLANS plan name "Bad Name" must match ^[a-z][a-z0-9_-]{0,39}$',
      'RATE_LIMIT_PLANS plan "Bad Name": perKeyPerMinute must be a positive integer',
      'RATE_LIMIT_PLANS plan "Bad Name": perWorkspacePerMinute must be a positive integer',
    ]);
    const redisProblems = problemsOf({ REDIS_URL: 'http://:hunter2@cache', RATE_LIMIT_IP_PER_MINUTE: '0' });
    expect(redisProblems.join('\n')).toMatch(/REDIS_URL/);
    expect(redisProblems.join('\n')).toMatch(/RATE_LIMIT_IP_PER_MINUTE/);
    expect(redisProblems.join('\n')).not.toContain('hunter2');
  });

  it('bounds every wait on the database by default, within about five seconds a request, and keeps the long-running allowance above them', () => {
    expect(loadConfig({}, '/srv/ringfence').database.timeouts).toEqual({
      acquireMs: 2000,
      statementMs: 3000,
      lockMs: 2000,
      idleInTransactionMs: 10_000,
      longRunningMs: 600_000,
    });
    expect(problemsOf({ DATABASE_STATEMENT_TIMEOUT_MS: '0', DATABASE_ACQUIRE_TIMEOUT_MS: 'soon' }).join('\n')).toMatch(
      /DATABASE_ACQUIRE_TIMEOUT_MS[\s\S]*DATABASE_STATEMENT_TIMEOUT_MS/,
    );
    expect(problemsOf({ DATABASE_LOCK_TIMEOUT_MS: '60000', DATABASE_LONG_RUNNING_TIMEOUT_MS: '30000' })).toEqual([
      expect.stringMatching(
        /^DATABASE_LONG_RUNNING_TIMEOUT_MS must not be shorter than the statement, lock and idle-in-transaction timeouts/,
      ),
    ]);
  });

  it('reads the vault settings, and refuses a key budget larger than its vault’s', () => {
    expect(loadConfig({}, '/srv/ringfence').vault).toEqual({
      versionsKept: 5,
      maxSecrets: 1000,
      revealsPerMinute: 60,
      workspaceRevealsPerMinute: 600,
    });
    expect(problemsOf({ VAULT_REVEALS_PER_MINUTE: '700' })).toEqual([
      expect.stringMatching(/VAULT_REVEALS_PER_MINUTE must not exceed VAULT_WORKSPACE_REVEALS_PER_MINUTE/),
    ]);
    expect(problemsOf({ VAULT_VERSIONS_KEPT: '0', VAULT_MAX_SECRETS: 'many' }).join('\n')).toMatch(
      /VAULT_VERSIONS_KEPT[\s\S]*VAULT_MAX_SECRETS/,
    );
  });

  it('reads the cosigner settings: the simulator outside production, no provider in production, the answer budget [V13.4.2]', () => {
    expect(loadConfig({}, '/srv/ringfence').cosigner).toEqual({
      providers: ['simulator'],
      responseKeyVersion: undefined,
      decisionDeadlineMs: 600_000,
      decisionTimeoutMs: 5000,
      resubmitAfterMs: 30_000,
      resubmitBatch: 50,
      inbound: { providers: [{ provider: 'simulator', scheme: 'fireblocks' }], retentionHours: 720 },
    });
    expect(loadConfig({}, '/srv/ringfence').custody).toEqual({
      providers: ['simulator'],
      dataDir: '/srv/ringfence/.data',
      simulator: { cosigner: true, webhooks: true, retryIntervalMs: 180_000, retryForMs: 3_600_000 },
    });
    expect(
      loadConfig({ SIMULATOR_COSIGNER_ENABLED: 'false', SIMULATOR_RETRY_INTERVAL_MS: '50', SIMULATOR_RETRY_FOR_MS: '1000' }).custody
        .simulator,
    ).toEqual({ cosigner: false, webhooks: true, retryIntervalMs: 50, retryForMs: 1000 });
    expect(problemsOf({ SIMULATOR_RETRY_INTERVAL_MS: '0' }).join('\n')).toMatch(/SIMULATOR_RETRY_INTERVAL_MS/);
    // Inbound webhooks: a configured co-signer provider each, named once, in a known scheme; the simulator's only when it is configured.
    expect(
      loadConfig({ COSIGNER_PROVIDERS: 'simulator,acme', INBOUND_WEBHOOK_PROVIDERS: 'acme:standard', INBOUND_EVENT_RETENTION_HOURS: '48' })
        .cosigner.inbound,
    ).toEqual({ providers: [{ provider: 'acme', scheme: 'standard' }], retentionHours: 48 });
    expect(loadConfig({ COSIGNER_PROVIDERS: 'simulator', INBOUND_WEBHOOK_PROVIDERS: '' }).custody.simulator.webhooks).toBe(true);
    expect(
      loadConfig({ COSIGNER_PROVIDERS: 'simulator,acme', INBOUND_WEBHOOK_PROVIDERS: 'acme:standard' }).custody.simulator.webhooks,
    ).toBe(false);
    expect(problemsOf({ INBOUND_WEBHOOK_PROVIDERS: 'acme:standard' })).toEqual([
      'INBOUND_WEBHOOK_PROVIDERS names "acme", which COSIGNER_PROVIDERS does not',
    ]);
    expect(problemsOf({ INBOUND_WEBHOOK_PROVIDERS: 'simulator:hmac' })).toEqual([
      expect.stringMatching(/^INBOUND_WEBHOOK_PROVIDERS must hold/),
    ]);
    expect(problemsOf({ INBOUND_WEBHOOK_PROVIDERS: 'simulator:standard,simulator:fireblocks' })).toEqual([
      'INBOUND_WEBHOOK_PROVIDERS names a provider twice',
    ]);
    expect(loadConfig({ COSIGNER_PROVIDERS: 'fireblocks', FIREBLOCKS_BASE_URL: 'http://127.0.0.1:9000' }).custody.fireblocks).toEqual({
      baseUrl: 'http://127.0.0.1:9000',
      timeoutMs: 10_000,
    });
    expect(
      loadConfig({
        ...productionEnv(),
        COSIGNER_PROVIDERS: 'fireblocks',
        FIREBLOCKS_BASE_URL: 'https://api.fireblocks.io',
        FIREBLOCKS_TIMEOUT_MS: '2000',
        FIREBLOCKS_API_KEY_VERSION: '2',
      }).custody.fireblocks,
    ).toEqual({ baseUrl: 'https://api.fireblocks.io', timeoutMs: 2000, apiKeyVersion: 2 });
    expect(loadConfig({ FIREBLOCKS_BASE_URL: 'https://api.fireblocks.io' }).custody.fireblocks).toBeUndefined();
    expect(problemsOf({ COSIGNER_PROVIDERS: 'fireblocks' })).toEqual([expect.stringMatching(/^FIREBLOCKS_BASE_URL is required/)]);
    expect(problemsOf({ ...productionEnv(), COSIGNER_PROVIDERS: 'fireblocks', FIREBLOCKS_BASE_URL: 'http://api.fireblocks.io' })).toEqual([
      'FIREBLOCKS_BASE_URL must be https in production',
    ]);
    for (const bad of [
      'api.fireblocks.io',
      'ftp://api.fireblocks.io',
      'https://user:pw@api.fireblocks.io',
      'https://api.fireblocks.io/?k=v',
    ]) {
      const problems = problemsOf({ COSIGNER_PROVIDERS: 'fireblocks', FIREBLOCKS_BASE_URL: bad });
      expect(problems).toEqual([expect.stringMatching(/^FIREBLOCKS_BASE_URL must/)]);
      expect(problems.join('')).not.toContain('pw@');
    }
    const production = productionEnv();
    expect(loadConfig(production).cosigner.providers).toEqual([]);
    const configured = loadConfig({
      ...production,
      COSIGNER_PROVIDERS: 'fireblocks, acme-2',
      FIREBLOCKS_BASE_URL: 'https://api.fireblocks.io',
      COSIGNER_RESPONSE_KEY_VERSION: '3',
      COSIGNER_DECISION_DEADLINE_MS: '0',
      COSIGNER_DECISION_TIMEOUT_MS: '2500',
      TRANSFER_RESUBMIT_AFTER_MS: '0',
      TRANSFER_RESUBMIT_BATCH: '5',
    }).cosigner;
    expect(configured).toEqual({
      providers: ['fireblocks', 'acme-2'],
      responseKeyVersion: 3,
      decisionDeadlineMs: 0,
      decisionTimeoutMs: 2500,
      resubmitAfterMs: 0,
      resubmitBatch: 5,
      // No simulator: no provider's webhooks unless INBOUND_WEBHOOK_PROVIDERS names them.
      inbound: { providers: [], retentionHours: 720 },
    });
    expect(
      problemsOf({ ...production, COSIGNER_PROVIDERS: 'fireblocks,simulator', FIREBLOCKS_BASE_URL: 'https://api.fireblocks.io' }),
    ).toEqual([expect.stringMatching(/^COSIGNER_PROVIDERS names "simulator", which is refused in production/)]);
    expect(problemsOf({ COSIGNER_PROVIDERS: 'simulator' })).toEqual([]);
    for (const bad of ['Fireblocks', 'fire_blocks', '9lives', `a${'b'.repeat(32)}`, 'acme,../etc']) {
      expect(problemsOf({ COSIGNER_PROVIDERS: bad })).toEqual([expect.stringMatching(/^COSIGNER_PROVIDERS must hold provider names/)]);
    }
    expect(problemsOf({ COSIGNER_PROVIDERS: 'acme,acme' })).toEqual(['COSIGNER_PROVIDERS names a provider twice']);
    expect(
      problemsOf({
        COSIGNER_RESPONSE_KEY_VERSION: '0',
        COSIGNER_DECISION_DEADLINE_MS: 'later',
        COSIGNER_DECISION_TIMEOUT_MS: '30000',
      }).join('\n'),
    ).toMatch(/COSIGNER_RESPONSE_KEY_VERSION[\s\S]*COSIGNER_DECISION_DEADLINE_MS[\s\S]*COSIGNER_DECISION_TIMEOUT_MS/);
    expect(problemsOf({ DATABASE_ACQUIRE_TIMEOUT_MS: '10000', COSIGNER_DECISION_TIMEOUT_MS: '20000' })).toEqual([
      expect.stringMatching(/^DATABASE_ACQUIRE_TIMEOUT_MS and COSIGNER_DECISION_TIMEOUT_MS together must not exceed 25000 ms/),
    ]);
    // No provider, no callback to answer: the budget binds nothing.
    expect(problemsOf({ ...production, DATABASE_ACQUIRE_TIMEOUT_MS: '10000', COSIGNER_DECISION_TIMEOUT_MS: '20000' })).toEqual([]);
  });

  it('reads the observability settings: /metrics off in production without a token, tracing only when asked for, JSON logs unless asked or at a development terminal [V13.4.2]', () => {
    const token = 'metrics-token-0123456789abcdef0123456789';
    expect(loadConfig(productionEnv()).metrics).toEqual({ access: 'off' });
    expect(loadConfig(productionEnv({ METRICS_TOKEN: token })).metrics).toEqual({ access: 'token', token });
    expect(loadConfig({}).metrics).toEqual({ access: 'loopback' });
    expect(problemsOf(productionEnv({ METRICS_TOKEN: 'short' }))).toEqual([
      'METRICS_TOKEN must be 32 to 256 printable ASCII characters without spaces',
    ]);
    expect(loadConfig({}).tracing).toEqual({ enabled: false });
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).tracing).toEqual({
      enabled: true,
      endpoint: 'http://collector:4318',
    });
    expect(loadConfig({ OTEL_ENABLED: 'true' }).tracing).toEqual({ enabled: true });
    expect(loadConfig({ OTEL_ENABLED: 'false', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).tracing.enabled).toBe(false);
    const tty = Object.getOwnPropertyDescriptor(process.stdout, 'isTTY');
    Object.defineProperty(process.stdout, 'isTTY', { value: true, configurable: true });
    try {
      expect(loadConfig({}).logFormat).toBe('pretty');
      expect(loadConfig(productionEnv()).logFormat).toBe('json');
      expect(loadConfig({ LOG_FORMAT: 'json' }).logFormat).toBe('json');
    } finally {
      if (tty) Object.defineProperty(process.stdout, 'isTTY', tty);
      else delete (process.stdout as { isTTY?: boolean }).isTTY;
    }
    expect(loadConfig({}).logFormat).toBe(process.stdout.isTTY ? 'pretty' : 'json');
  });

  it('never echoes a value, secret or not', () => {
    // secretlint-disable-next-line -- a made-up credential: the spec checks it is never echoed
    const secretish = 'mysql://root:hunter2-super-secret@db/ringfence';
    const error = (() => {
      try {
        loadConfig({ DATABASE_URL: secretish, DATABASE_MIGRATION_URL: secretish });
      } catch (caught) {
        return caught as Error;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.message).toMatch(/DATABASE_URL/);
    expect(error?.message).not.toContain('hunter2');
  });

  it('refuses the embedded database and development keys in production [V13.4.2 V15.2.3 API8:2023]', () => {
    const problems = problemsOf({ NODE_ENV: 'production' }).join('\n');
    expect(problems).toMatch(/DATABASE_URL is required in production/);
    expect(problems).toMatch(/RINGFENCE_SECRETS_DIR is required in production/);
    expect(problems).toMatch(/SMTP_URL is required in production/);
    expect(problems).toMatch(/CONSOLE_URL is required in production/);
  });

  it('sends mail to files in development and through SMTP when configured', () => {
    const development = loadConfig({ RINGFENCE_DATA_DIR: '/tmp/rf-data' });
    expect(development.mail).toEqual({ transport: 'file', directory: '/tmp/rf-data/mail', from: expect.any(String) });
    const smtp = loadConfig({ SMTP_URL: 'smtps://user:pw@mail.example.com' });
    expect(smtp.mail.transport).toBe('smtp');
    expect(problemsOf({ MAIL_TRANSPORT: 'smtp' }).join('\n')).toMatch(/SMTP_URL is required when MAIL_TRANSPORT is smtp/);
  });

  it('keeps admin access tokens between 10 and 15 minutes', () => {
    expect(loadConfig({}).adminAuth.accessTokenTtlSeconds).toBe(600);
    expect(problemsOf({ ACCESS_TOKEN_TTL_SECONDS: '3600' }).join('\n')).toMatch(/ACCESS_TOKEN_TTL_SECONDS/);
    expect(problemsOf({ ACCESS_TOKEN_TTL_SECONDS: '60' }).join('\n')).toMatch(/ACCESS_TOKEN_TTL_SECONDS/);
  });

  it('creates no admin by itself in production, even with BOOTSTRAP_ADMIN_EMAIL set; a development start makes only the first owner [V6.3.2]', () => {
    expect(loadConfig(productionEnv()).adminAuth.bootstrapEmail).toBeUndefined();
    expect(loadConfig(productionEnv({ BOOTSTRAP_ADMIN_EMAIL: 'owner@example.com' })).adminAuth.bootstrapEmail).toBeUndefined();
    expect(loadConfig({}).adminAuth.bootstrapEmail).toBe('owner@ringfence.local');
  });

  it('requires the owner connection for migrations in production and turns the docs off [V13.4.2 V13.4.5 V15.2.3]', () => {
    const base = {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://app@db/rf',
      RINGFENCE_SECRETS_DIR: '/run/secrets/rf',
      SMTP_URL: 'smtp://mail.example.com',
      CONSOLE_URL: 'https://ringfence.example.com/console',
    };
    expect(problemsOf(base).join('\n')).toMatch(/DATABASE_MIGRATION_URL is required/);
    const config = loadConfig({ ...base, MIGRATE_ON_BOOT: 'false' });
    expect(config.http.docsEnabled).toBe(false);
    expect(config.secretsDir).toBe('/run/secrets/rf');
  });

  it('parses lists and booleans', () => {
    const config = loadConfig({
      CORS_ORIGINS: 'https://console.example.com, http://localhost:5173',
      TRUSTED_PROXIES: '10.0.0.0/8,127.0.0.1',
      DOCS_ENABLED: 'false',
    });
    expect(config.http.corsOrigins).toEqual(['https://console.example.com', 'http://localhost:5173']);
    expect(config.http.trustedProxies).toEqual(['10.0.0.0/8', '127.0.0.1']);
    expect(config.http.docsEnabled).toBe(false);
  });
});
