import { createHash, randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { CustodyProvider, CustodyProviderRefusal, CustodyProviderUnavailable, TransferSubmission } from '../custody-provider';
import { FIREBLOCKS_PROVIDER, FireblocksOptions } from '../providers.options';
import { FireblocksCredentials } from './fireblocks-credentials';

/** The provider refuses a token whose `exp` is not within 30 s of its `iat`. */
const TOKEN_LIFETIME_SECONDS = 25;
/** A provider's answer larger than this is not read (a transaction is a few kilobytes). */
const MAX_ANSWER_BYTES = 64 * 1024;
/** A provider's id or error code we keep: printable ASCII, bounded. */
const SAFE_TEXT = /^[\x21-\x7e]{1,200}$/;

/** What the provider answered: its status and, when it is JSON, the body. */
interface ProviderAnswer {
  readonly status: number;
  readonly json?: unknown;
}

/** The create-transaction body: `destination` a whitelisted peer, or a one-time address. */
export interface FireblocksTransactionBody {
  readonly assetId: string;
  readonly amount: string;
  readonly source: { readonly type: string; readonly id: string };
  readonly destination:
    | { readonly type: string; readonly id: string }
    | { readonly type: 'ONE_TIME_ADDRESS'; readonly oneTimeAddress: { readonly address: string } };
  readonly note?: string;
  readonly externalTxId: string;
}

/**
 * A Fireblocks-shaped custody provider over HTTP (docs/adr/0019-cosigner-policy-engine.md,
 * the providers addendum). `POST <base>/v1/transactions` with the provider's API
 * authentication: `X-API-Key` and `Authorization: Bearer <JWT>` signed RS256 with the API
 * user's private key over `uri`, a fresh `nonce`, `iat`, `exp` (25 s on), `sub` (the API key)
 * and `bodyHash` (hex SHA-256 of the exact bytes sent). Every call is bounded
 * (FIREBLOCKS_TIMEOUT_MS, redirects refused, answers read up to 64 KiB). A 4xx refuses the
 * transfer for good, except a 400 for an external reference already used: the transaction is
 * looked up by it (`GET <base>/v1/transactions/external_tx_id/<externalTxId>`) and its id
 * answered, so a resubmission after a lost answer never fails a transaction the provider
 * created. A 5xx, a 408 or 429, a timeout or the network leaves it to be submitted again.
 * Errors and logs carry a short code, never the key or a token.
 */
export class FireblocksProvider implements CustodyProvider {
  readonly name = FIREBLOCKS_PROVIDER;
  private readonly base: string;

  constructor(
    private readonly options: FireblocksOptions,
    private readonly credentials: FireblocksCredentials,
  ) {
    this.base = options.baseUrl.replace(/\/+$/, '');
  }

  async submitTransfer(submission: TransferSubmission): Promise<{ readonly providerTxId: string }> {
    const created = await this.call('POST', '/v1/transactions', JSON.stringify(transactionBody(submission)));
    if (created.status >= 200 && created.status < 300) return { providerTxId: idOf(created) };
    if (created.status === 400) {
      // The provider refuses an external reference it has seen: that transaction may be ours, created by an earlier submission whose answer was lost.
      const known = await this.call('GET', `/v1/transactions/external_tx_id/${encodeURIComponent(submission.externalTxId)}`);
      if (known.status === 200) return { providerTxId: idOf(known) };
      if (known.status !== 404) throw failureOf(known);
    }
    throw failureOf(created);
  }

  /** One authenticated call; its answer, whatever the status. Throws CustodyProviderUnavailable when there is none. */
  private async call(method: 'GET' | 'POST', path: string, body?: string): Promise<ProviderAnswer> {
    const url = `${this.base}${path}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          'x-api-key': this.credentials.apiKey,
          authorization: `Bearer ${this.token(new URL(url), body ?? '')}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body }),
        redirect: 'error',
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      throw new CustodyProviderUnavailable(isTimeout(error) ? 'timeout' : 'network');
    }
    let text: string;
    try {
      text = await boundedText(response);
    } catch (error) {
      throw new CustodyProviderUnavailable(isTimeout(error) ? 'timeout' : 'answer_unreadable');
    }
    try {
      return { status: response.status, json: JSON.parse(text) as unknown };
    } catch {
      return { status: response.status };
    }
  }

  /** The provider's API token for one request: RS256 over its URI and the hash of the exact body sent. */
  private token(url: URL, body: string): string {
    const now = Math.floor(Date.now() / 1000);
    return jwt.sign(
      {
        uri: `${url.pathname}${url.search}`,
        nonce: randomUUID(),
        iat: now,
        exp: now + TOKEN_LIFETIME_SECONDS,
        sub: this.credentials.apiKey,
        bodyHash: createHash('sha256').update(body).digest('hex'),
      },
      this.credentials.privateKey,
      { algorithm: 'RS256' },
    );
  }
}

/**
 * Our intent as the provider's create-transaction body. A whitelisted peer needs its type;
 * an address is a one-time address: anything else is refused here, before it is sent.
 */
export function transactionBody(submission: TransferSubmission): FireblocksTransactionBody {
  const { destination } = submission;
  let to: FireblocksTransactionBody['destination'];
  if (destination.address !== undefined) {
    if ((destination.type ?? 'ONE_TIME_ADDRESS') !== 'ONE_TIME_ADDRESS') throw new CustodyProviderRefusal('destination_type_unsupported');
    to = { type: 'ONE_TIME_ADDRESS', oneTimeAddress: { address: destination.address } };
  } else {
    if (destination.type === undefined || destination.id === undefined) throw new CustodyProviderRefusal('destination_type_missing');
    to = { type: destination.type, id: destination.id };
  }
  return {
    assetId: submission.asset,
    amount: submission.amount,
    source: { type: submission.source.type, id: submission.source.id },
    destination: to,
    ...(submission.note === undefined ? {} : { note: submission.note }),
    externalTxId: submission.externalTxId,
  };
}

/** The transaction id of a 2xx (or a look-up's 200); an answer without one is no answer. */
function idOf(answer: ProviderAnswer): string {
  const id = (answer.json as { id?: unknown } | undefined)?.id;
  if (typeof id === 'string' && SAFE_TEXT.test(id)) return id;
  throw new CustodyProviderUnavailable('answer_unreadable');
}

/** A status that is no success, as the error the port knows: a refusal for good, or a failure to try again. */
function failureOf(answer: ProviderAnswer): Error {
  const { status } = answer;
  if (status < 400 || status >= 500 || status === 408 || status === 429) return new CustodyProviderUnavailable(`http_${status}`);
  const code = (answer.json as { code?: unknown } | undefined)?.code;
  const known =
    (typeof code === 'number' && Number.isInteger(code)) || (typeof code === 'string' && SAFE_TEXT.test(code) && code.length <= 32);
  return new CustodyProviderRefusal(known ? `http_${status}:${String(code)}` : `http_${status}`);
}

function isTimeout(error: unknown): boolean {
  // A DOMException (the signal's reason), which need not be an Error of this realm.
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}

/** The body as text, up to MAX_ANSWER_BYTES: a larger one is not an answer. */
async function boundedText(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_ANSWER_BYTES) {
      await reader.cancel();
      throw new Error('answer too large');
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
