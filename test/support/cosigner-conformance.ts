import { KeyObject } from 'node:crypto';
import { join } from 'node:path';
import type { PolicyDocument } from '../../apps/api/src/cosigner/policy/policy-document';
import type { PolicyDecision } from '../../apps/api/src/cosigner/policy/policy-engine';
import { signCallbackAnswer } from '../../apps/api/src/cosigner/protocol/callback-answer';
import { CallbackRefusal, ProviderKey, verifyCallbackToken } from '../../apps/api/src/cosigner/protocol/callback-token';
import { readSignRequest } from '../../apps/api/src/cosigner/protocol/sign-request';
import { callbackAnswerOf, decideSignRequest } from '../../apps/api/src/cosigner/sign-request-decision';
import { noWindowUsage } from './cosigner-policy';

/** The published co-signer conformance vectors: the spec reads them, the writer fills their tokens. */
export const COSIGNER_CONFORMANCE_DOC = join(__dirname, '..', '..', 'docs', 'conformance', 'cosigner.md');

/** A fenced block of the page read by its label: its text, and the lines it spans (for the writer). */
export interface LabelledBlock {
  readonly text: string;
  /** The first line of the content and the line of the closing fence (0-based). */
  readonly start: number;
  readonly end: number;
}

/** A `### \`id\` — title` heading and the labelled blocks below it, in the `## ` group it stands in. */
export interface VectorSection {
  readonly id: string;
  readonly title: string;
  readonly group: string;
  readonly blocks: ReadonlyMap<string, LabelledBlock>;
}

const GROUP = /^## (.+)$/;
const SECTION = /^### `([a-z0-9-]+)` — (.+)$/;
const FENCE = /^```(.*)$/;
const LABEL = /^[a-z0-9-]+$/;

/**
 * Reads the page by its one convention: a `### \`id\` — title` heading opens a section (any
 * other `##`/`###` heading closes it); a fenced block whose info string is `<language> <label>`
 * belongs to the open section under that label; a block with a language alone is prose.
 * Anything ambiguous throws: a labelled block outside a section, a label or id twice, an
 * unclosed fence, a heading that looks like a section but breaks the form.
 */
export function vectorSections(markdown: string): VectorSection[] {
  const lines = markdown.split('\n');
  const sections: { id: string; title: string; group: string; blocks: Map<string, LabelledBlock> }[] = [];
  let group = '';
  let open: (typeof sections)[number] | undefined;
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index]!;
    const fence = FENCE.exec(line);
    if (fence) {
      const end = lines.indexOf('```', index + 1);
      if (end < 0) throw new Error(`line ${index + 1}: a fence that never closes`);
      const [, label, ...rest] = fence[1]!.trim().split(/\s+/);
      if (label !== undefined) {
        if (rest.length > 0 || !LABEL.test(label)) throw new Error(`line ${index + 1}: an info string is "<language> <label>"`);
        if (!open) throw new Error(`line ${index + 1}: block "${label}" outside a section`);
        if (open.blocks.has(label)) throw new Error(`line ${index + 1}: "${open.id}" has two blocks "${label}"`);
        open.blocks.set(label, { text: lines.slice(index + 1, end).join('\n'), start: index + 1, end });
      }
      index = end;
      continue;
    }
    const heading = GROUP.exec(line);
    if (heading) {
      group = heading[1]!;
      open = undefined;
    } else if (line.startsWith('### ')) {
      const section = SECTION.exec(line);
      if (!section && line.startsWith('### `')) throw new Error(`line ${index + 1}: a section heading is "### \`id\` — title"`);
      if (section && sections.some(({ id }) => id === section[1])) throw new Error(`line ${index + 1}: "${section[1]}" twice`);
      open = section ? { id: section[1]!, title: section[2]!, group, blocks: new Map() } : undefined;
      if (open) sections.push(open);
    }
  }
  return sections;
}

/** The page with one block's content replaced by `text`. */
export function withBlock(markdown: string, block: LabelledBlock, text: string): string {
  const lines = markdown.split('\n');
  lines.splice(block.start, block.end - block.start, ...text.split('\n'));
  return lines.join('\n');
}

/** The key material the vectors are made and checked with, as the app holds it. */
export interface ConformanceKeys {
  readonly provider: readonly ProviderKey[];
  readonly response: { readonly kid: string; readonly privateKey: KeyObject };
}

/** A decision as the page publishes it: the answer's action and reason, and the rule that decided (if one did). */
export interface PublishedDecision {
  readonly action: 'APPROVE' | 'REJECT';
  readonly rejectionReason?: string;
  readonly rule?: string;
}

export type CallbackOutcome =
  | { readonly refused: CallbackRefusal }
  | {
      readonly payload: Record<string, unknown>;
      readonly decision: PublishedDecision;
      readonly answer: string;
    };

/**
 * What the layer under test answers a callback body: verified (`verifyCallbackToken`), read
 * (`readSignRequest`, at `at`), decided with no window usage (`decideSignRequest`), answered
 * (`callbackAnswerOf`) and signed (`signCallbackAnswer`). The route's own checks are not here.
 */
export function answerCallback(token: string, keys: ConformanceKeys, policy: PolicyDocument, at: Date): CallbackOutcome {
  const verified = verifyCallbackToken(token, keys.provider);
  if ('refused' in verified) return verified;
  const request = readSignRequest(verified.payload, at);
  if (request.requestId === undefined) throw new Error('a vector without a readable requestId cannot be answered');
  const decision = decideSignRequest(policy, request, noWindowUsage);
  const answer = signCallbackAnswer(callbackAnswerOf(decision, request.requestId), keys.response.privateKey, keys.response.kid);
  return { payload: verified.payload, decision: published(decision), answer };
}

function published(decision: PolicyDecision): PublishedDecision {
  const rule = decision.ruleName === undefined ? {} : { rule: decision.ruleName };
  return decision.action === 'APPROVE' ? { action: 'APPROVE', ...rule } : { action: 'REJECT', rejectionReason: decision.reason, ...rule };
}

/** The JSON text a compact JWS segment carries, exactly as signed. */
export function segmentText(token: string, index: 0 | 1): string {
  return Buffer.from(token.split('.')[index] ?? '', 'base64url').toString('utf8');
}

/** A compact JWS assembled by hand (any header, as an attacker would), signed by `signer` or not at all. */
export function compactJws(header: Record<string, unknown>, payloadSegment: string, signer?: (input: string) => Buffer): string {
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${payloadSegment}`;
  return `${input}.${signer ? signer(input).toString('base64url') : ''}`;
}
