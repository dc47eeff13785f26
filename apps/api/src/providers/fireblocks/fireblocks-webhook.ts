import { KeyObject, sign, verify } from 'node:crypto';

/**
 * Fireblocks' webhooks, as the provider documents them: a JSON body, and in the
 * `Fireblocks-Signature` header the base64 of an RSA-SHA512 (PKCS #1 v1.5) signature of the
 * body's exact bytes with the provider's webhook key, whose public half the workspace installs
 * (`webhook-<provider>.pub.vN.pem`). The simulator signs its status events this way.
 */
export const FIREBLOCKS_SIGNATURE_HEADER = 'fireblocks-signature';

/** Why a Fireblocks signature was refused; none carries the signature. */
export type FireblocksSignatureRefusal = 'missing_signature' | 'duplicate_signature' | 'malformed_signature' | 'signature_mismatch';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The `Fireblocks-Signature` value for `body`. */
export function signFireblocksWebhook(body: Buffer | string, privateKey: KeyObject): string {
  return sign('sha512', typeof body === 'string' ? Buffer.from(body) : body, privateKey).toString('base64');
}

/**
 * Checks `header` (the `Fireblocks-Signature` value as Node gives it) over `body`: one value,
 * canonical base64, exactly as long as a key's modulus (a cut or padded signature never
 * reaches RSA), valid under one of `publicKeys`.
 */
export function verifyFireblocksWebhook(
  header: string | readonly string[] | undefined,
  body: Buffer,
  publicKeys: readonly KeyObject[],
): { readonly verified: true } | { readonly refused: FireblocksSignatureRefusal } {
  if (header === undefined || header === '') return { refused: 'missing_signature' };
  if (typeof header !== 'string') return { refused: header.length > 1 ? 'duplicate_signature' : 'missing_signature' };
  const text = header.trim();
  if (text.length === 0 || !BASE64.test(text)) return { refused: 'malformed_signature' };
  const signature = Buffer.from(text, 'base64');
  const matches = publicKeys.some((publicKey) => {
    const bytes = (publicKey.asymmetricKeyDetails?.modulusLength ?? 0) / 8;
    return signature.length === bytes && verify('sha512', body, publicKey, signature);
  });
  return matches ? { verified: true } : { refused: 'signature_mismatch' };
}

/** A transaction as a Fireblocks status webhook carries it (the fields Ringfence reads, and a few more the provider sends). */
export interface FireblocksTransactionData {
  readonly id: string;
  readonly externalTxId?: string;
  readonly status: string;
  readonly subStatus?: string;
  readonly assetId?: string;
  readonly amount?: string;
  readonly createdAt?: number;
  readonly lastUpdated?: number;
}

/**
 * The body of a `TRANSACTION_STATUS_UPDATED` webhook (Fireblocks' v1 shape:
 * `{ type, tenantId, timestamp, data }`), as the simulator sends it.
 */
export function fireblocksStatusEvent(tenantId: string, data: FireblocksTransactionData, timestamp: number): Record<string, unknown> {
  return { type: 'TRANSACTION_STATUS_UPDATED', tenantId, timestamp, data };
}
