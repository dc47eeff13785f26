import Fastify, { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createHash, createPrivateKey, createPublicKey, KeyObject, timingSafeEqual } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { FireblocksTransactionBody } from '../fireblocks/fireblocks-provider';
import { SimulatedCosigner, SimulatedTransaction, SimulatedTransferRequest } from './simulated-cosigner';
import { SimulatedProvider } from './simulated-provider';

/** Why the simulated API refused a request's authentication (what a spec asserts; the 401 says less). */
export type ApiRefusal =
  | 'missing'
  | 'api_key'
  | 'signature'
  | 'claims'
  | 'user'
  | 'uri'
  | 'expired'
  | 'issued_in_future'
  | 'lifetime'
  | 'body_hash'
  | 'nonce_replayed';

/** The provider's error codes for its authentication refusals, as it documents them (-7: "token was not accepted"). */
const REFUSAL_CODES: Record<ApiRefusal, number> = {
  missing: -3,
  api_key: -7,
  signature: -1,
  claims: -7,
  user: -6,
  uri: -4,
  expired: -10,
  issued_in_future: -12,
  lifetime: -7,
  body_hash: -7,
  nonce_replayed: -7,
};
/** The simulator's own codes for what it refuses after authentication (not the provider's numbering). */
const SIMULATOR_CODES = { invalidBody: 1400, externalTxIdUsed: 1409, notFound: 1404 } as const;
/** The provider refuses a token whose `exp` is not within 30 s of its `iat`. */
const MAX_TOKEN_LIFETIME_SECONDS = 30;
/** Clock skew allowed to an `iat` ahead of ours. */
const SKEW_SECONDS = 5;
const DECIMAL = /^(0|[1-9][0-9]*)(\.[0-9]+)?$/;
const TEXT = /^[\x21-\x7e]{1,200}$/;

/** One request the simulated API received, and what it answered. */
export interface SimulatorApiRequest {
  readonly method: string;
  /** As received (path and query, undecoded). */
  readonly url: string;
  readonly status: number;
  readonly refused?: ApiRefusal;
  /** The body as received, for a spec to check what the adapter sent. */
  readonly body: string;
  /** The credentials as received (the provider's side of the wire: a spec checks them, and that our logs never hold them). */
  readonly apiKey?: string;
  readonly authorization?: string;
}

/** How the next create-transaction request is answered instead of normally. */
export type SimulatorFault =
  /** This status, the transaction not created (or created, its answer then lost). */
  | { readonly status: number; readonly afterCreating?: boolean }
  /** No answer for this long (past the adapter's timeout), nothing created. */
  | { readonly hangMs: number };

export interface SimulatorApiOptions {
  /** The API user the simulated provider knows: its API key and the public half of its private key. */
  readonly apiUser: { readonly apiKey: string; readonly publicKey: KeyObject | string };
  /** Its co-signer: none, and transactions are only created. */
  readonly cosigner?: {
    /** The co-signer's private key (its public half is `cosigner-<provider>.pub.vN.pem` at Ringfence). */
    readonly signingKey: KeyObject | string;
    /** Our response key's public half, as the provider's console was given it. */
    readonly responsePublicKey: KeyObject | string;
    readonly retryIntervalMs?: number;
    readonly retryForMs?: number;
    readonly answerTimeoutMs?: number;
  };
  readonly host?: string;
  readonly port?: number;
}

/**
 * The provider simulator's HTTP API, a Fastify server of its own (tests and the demo start
 * it on a free port): it plays a Fireblocks-shaped API for the HTTP adapter. Every request's
 * authentication is verified as the provider documents it (the `X-API-Key`; the bearer JWT's
 * RS256 signature with the API user's public key, its `sub`, its `uri` against the request's,
 * `bodyHash` against the exact bytes received, `exp` passed or more than 30 s after `iat`, a
 * nonce seen before), then `POST /v1/transactions` creates the transaction (an external
 * reference already used is a 400) and its co-signer asks our callback over HTTP
 * (`useCallback`); `GET /v1/transactions/external_tx_id/:externalTxId` finds one.
 */
export class SimulatorApiServer {
  private readonly provider: SimulatedProvider;
  private readonly apiKey: Buffer;
  private readonly apiUserKey: KeyObject;
  /** Nonces seen, with the expiry of their token: a replay inside its lifetime is refused. */
  private readonly nonces = new Map<string, number>();
  private readonly received: SimulatorApiRequest[] = [];
  private readonly faults: SimulatorFault[] = [];
  /** Requests held without an answer: the close ends them. */
  private readonly hangs = new Set<() => void>();
  private callbackUrl?: string;

  private listening = '';

  private constructor(
    private readonly fastify: FastifyInstance,
    options: SimulatorApiOptions,
  ) {
    this.apiKey = Buffer.from(options.apiUser.apiKey);
    this.apiUserKey = publicKeyOf(options.apiUser.publicKey);
    const cosigner = options.cosigner;
    const signingKey = cosigner && (typeof cosigner.signingKey === 'string' ? createPrivateKey(cosigner.signingKey) : cosigner.signingKey);
    const responseKey = cosigner && publicKeyOf(cosigner.responsePublicKey);
    this.provider = new SimulatedProvider(
      cosigner &&
        new SimulatedCosigner({
          signingKey: () => signingKey!,
          responseKey: () => responseKey!,
          transport: (route, token, signal) => this.callback(route, token, signal),
          retryIntervalMs: cosigner.retryIntervalMs ?? 180_000,
          retryForMs: cosigner.retryForMs ?? 3_600_000,
          ...(cosigner.answerTimeoutMs === undefined ? {} : { answerTimeoutMs: cosigner.answerTimeoutMs }),
        }),
    );
  }

  /** Starts the server (loopback, a free port unless told). */
  static async start(options: SimulatorApiOptions): Promise<SimulatorApiServer> {
    const fastify = Fastify({ logger: false, bodyLimit: 64 * 1024 });
    // The body's exact bytes: the token's bodyHash is over them.
    fastify.removeAllContentTypeParsers();
    fastify.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    const server = new SimulatorApiServer(fastify, options);
    fastify.post('/v1/transactions', (request, reply) => server.create(request, reply));
    fastify.get('/v1/transactions/external_tx_id/:externalTxId', (request, reply) => server.findByExternalTxId(request, reply));
    server.listening = await fastify.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
    return server;
  }

  /** Where it listens (`http://127.0.0.1:<port>`): the adapter's FIREBLOCKS_BASE_URL. */
  get url(): string {
    return this.listening;
  }

  /** Where the co-signer calls (Ringfence's `…/v1/cosigner/<provider>`), as configured in the provider's console. */
  useCallback(url: string | URL): void {
    this.callbackUrl = String(url).replace(/\/+$/, '');
  }

  /** Answers the next create-transaction request so. */
  failNext(fault: SimulatorFault): void {
    this.faults.push(fault);
  }

  /** Every request received, oldest first. */
  requests(): SimulatorApiRequest[] {
    return [...this.received];
  }

  transactions(): SimulatedTransaction[] {
    return this.provider.transactions();
  }

  transaction(externalTxId: string): SimulatedTransaction | undefined {
    return this.provider.find({ externalTxId });
  }

  async close(): Promise<void> {
    for (const end of [...this.hangs]) end();
    await this.provider.stop();
    await this.fastify.close();
  }

  private async create(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const body = bodyOf(request);
    const refused = this.authenticate(request, body);
    if (refused) return this.refuse(request, reply, body, refused);
    const fault = this.faults.shift();
    if (fault && 'hangMs' in fault) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(end, fault.hangMs);
        const hangs = this.hangs;
        function end(): void {
          clearTimeout(timer);
          hangs.delete(end);
          resolve();
        }
        hangs.add(end);
      });
      return this.answer(request, reply, body, 504, { message: 'no answer in time', code: 1504 });
    }
    if (fault && !fault.afterCreating) return this.answer(request, reply, body, fault.status, { message: 'simulated failure', code: 1500 });
    const transfer = transferOf(body);
    if (!transfer) return this.answer(request, reply, body, 400, { message: 'invalid request body', code: SIMULATOR_CODES.invalidBody });
    const { transaction, created } = this.provider.create(transfer);
    if (!created) {
      return this.answer(request, reply, body, 400, {
        message: 'a transaction with this externalTxId exists',
        code: SIMULATOR_CODES.externalTxIdUsed,
      });
    }
    if (fault) return this.answer(request, reply, body, fault.status, { message: 'simulated failure after creating', code: 1500 });
    return this.answer(request, reply, body, 200, { id: transaction.id, status: 'SUBMITTED' });
  }

  private findByExternalTxId(request: FastifyRequest, reply: FastifyReply): FastifyReply {
    const body = bodyOf(request);
    const refused = this.authenticate(request, body);
    if (refused) return this.refuse(request, reply, body, refused);
    const transaction = this.provider.find({ externalTxId: (request.params as { externalTxId: string }).externalTxId });
    if (!transaction) return this.answer(request, reply, body, 404, { message: 'transaction not found', code: SIMULATOR_CODES.notFound });
    return this.answer(request, reply, body, 200, viewOf(transaction));
  }

  /** The provider's API authentication, checked exactly: the refusal's reason, or nothing when it holds. */
  private authenticate(request: FastifyRequest, body: Buffer): ApiRefusal | undefined {
    const apiKey = request.headers['x-api-key'];
    const authorization = request.headers.authorization;
    if (typeof apiKey !== 'string' || typeof authorization !== 'string' || !authorization.startsWith('Bearer ')) return 'missing';
    const offered = Buffer.from(apiKey);
    if (offered.length !== this.apiKey.length || !timingSafeEqual(offered, this.apiKey)) return 'api_key';
    let claims: Record<string, unknown>;
    try {
      // Expiry is checked below, with the lifetime rule; the signature, RS256 only, here.
      const verified = jwt.verify(authorization.slice('Bearer '.length), this.apiUserKey, {
        algorithms: ['RS256'],
        ignoreExpiration: true,
      });
      if (typeof verified !== 'object' || verified === null) return 'claims';
      claims = verified;
    } catch {
      return 'signature';
    }
    const { sub, uri, iat, exp, nonce, bodyHash } = claims;
    if (typeof iat !== 'number' || typeof exp !== 'number' || typeof nonce !== 'string' || nonce.length === 0) return 'claims';
    if (sub !== apiKey) return 'user';
    if (uri !== request.raw.url) return 'uri';
    const now = Math.floor(Date.now() / 1000);
    if (exp <= now) return 'expired';
    if (iat > now + SKEW_SECONDS) return 'issued_in_future';
    if (exp - iat >= MAX_TOKEN_LIFETIME_SECONDS) return 'lifetime';
    if (bodyHash !== createHash('sha256').update(body).digest('hex')) return 'body_hash';
    for (const [seen, until] of this.nonces) if (until <= now) this.nonces.delete(seen);
    if (this.nonces.has(nonce)) return 'nonce_replayed';
    this.nonces.set(nonce, exp);
    return undefined;
  }

  private refuse(request: FastifyRequest, reply: FastifyReply, body: Buffer, refused: ApiRefusal): FastifyReply {
    return this.answer(request, reply, body, 401, { message: 'Unauthorized', code: REFUSAL_CODES[refused] }, refused);
  }

  private answer(
    request: FastifyRequest,
    reply: FastifyReply,
    body: Buffer,
    status: number,
    json: object,
    refused?: ApiRefusal,
  ): FastifyReply {
    const { 'x-api-key': apiKey, authorization } = request.headers;
    this.received.push({
      method: request.method,
      url: request.raw.url ?? '',
      status,
      ...(refused ? { refused } : {}),
      body: body.toString('utf8'),
      ...(typeof apiKey === 'string' ? { apiKey } : {}),
      ...(typeof authorization === 'string' ? { authorization } : {}),
    });
    return reply.code(status).send(json);
  }

  /** The co-signer's call to our callback, over HTTP. */
  private async callback(route: string, token: string, signal: AbortSignal): Promise<{ status: number; body: string }> {
    if (!this.callbackUrl) throw new Error('no callback URL configured');
    const response = await fetch(`${this.callbackUrl}/v2/${route}`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: token,
      redirect: 'error',
      signal,
    });
    return { status: response.status, body: await response.text() };
  }
}

function publicKeyOf(key: KeyObject | string): KeyObject {
  return typeof key !== 'string' && key.type === 'public' ? key : createPublicKey(key);
}

function bodyOf(request: FastifyRequest): Buffer {
  return Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
}

/** The create-transaction body, read as the provider reads it; undefined when it is not one. */
function transferOf(body: Buffer): SimulatedTransferRequest | undefined {
  let value: Partial<FireblocksTransactionBody> & { destination?: Record<string, unknown> };
  try {
    value = JSON.parse(body.toString('utf8')) as typeof value;
  } catch {
    return undefined;
  }
  const text = (item: unknown): item is string => typeof item === 'string' && TEXT.test(item);
  const { assetId, amount, source, destination, note, externalTxId } = value;
  if (
    !text(assetId) ||
    typeof amount !== 'string' ||
    !DECIMAL.test(amount) ||
    !text(externalTxId) ||
    (note !== undefined && typeof note !== 'string')
  ) {
    return undefined;
  }
  if (!source || !text(source.type) || !text(source.id) || !destination || !text(destination['type'])) return undefined;
  const oneTime = destination['oneTimeAddress'] as { address?: unknown } | undefined;
  let to: SimulatedTransferRequest['destination'];
  if (destination['type'] === 'ONE_TIME_ADDRESS' && text(oneTime?.address)) to = { type: 'ONE_TIME_ADDRESS', address: oneTime.address };
  else if (destination['type'] !== 'ONE_TIME_ADDRESS' && text(destination['id'])) to = { type: destination['type'], id: destination['id'] };
  else return undefined;
  return {
    externalTxId,
    asset: assetId,
    amount,
    source: { type: source.type, id: source.id },
    destination: to,
    ...(note === undefined ? {} : { note }),
  };
}

/** A transaction as the provider's API shows it. */
function viewOf(transaction: SimulatedTransaction): Record<string, unknown> {
  return {
    id: transaction.id,
    externalTxId: transaction.externalTxId,
    status: transaction.status,
    assetId: transaction.asset,
    amount: transaction.amount,
    source: transaction.source,
    destination: transaction.destination,
    createdAt: transaction.createdAt,
  };
}
