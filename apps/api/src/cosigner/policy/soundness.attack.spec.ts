import fc from 'fast-check';
import { compareDecimals, parseDecimal, ZERO } from './decimal';
import { PolicyRule, validatePolicy } from './policy-document';
import { decide, TransferFacts } from './policy-engine';
import { readSignRequest } from '../protocol/sign-request';

const EVM_A = '0x52908400098527886E0F7030069857D2E4169EE7';
const addresses = fc.constantFrom(EVM_A, EVM_A.toLowerCase(), '0xbad', 'bc1q', 'wallet-7', 'wallet-9');
const assets = fc.constantFrom('ETH', 'eth', 'BTC', 'constructor');
const types = fc.constantFrom('ONE_TIME_ADDRESS', 'EXTERNAL_WALLET', 'VAULT_ACCOUNT');
const amounts = fc.constantFrom('0', '1', '1.5', '10', '10.000000000000000001', '100');
const hm = fc.constantFrom('00:00', '06:00', '12:00', '18:00', '22:00');
const rarely = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });
const sub = <T>(arb: fc.Arbitrary<T>) => rarely(fc.uniqueArray(arb, { minLength: 1, maxLength: 3 }));
const mostly = <T>(good: fc.Arbitrary<T>) => fc.oneof({ weight: 9, arbitrary: good }, { weight: 1, arbitrary: fc.jsonValue() });

const rule = fc.record(
  {
    action: fc.constantFrom('APPROVE', 'REJECT'),
    operations: sub(fc.constantFrom('TRANSFER', 'RAW')),
    assets: sub(assets),
    min: rarely(amounts),
    max: rarely(amounts),
    sources: sub(
      fc.record({ type: fc.constantFrom('VAULT_ACCOUNT', 'EXCHANGE'), id: fc.option(fc.constantFrom('0', '5'), { nil: undefined }) }),
    ),
    destinationTypes: sub(types),
    destinations: sub(addresses),
    span: rarely(fc.tuple(hm, hm)),
    perTransactionMax: rarely(amounts),
  },
  { requiredKeys: ['action'] },
);

/** The rule, as a document entry (undefined fields left out). */
type Drawn = typeof rule extends fc.Arbitrary<infer T> ? T : never;
const written = (r: Drawn, index: number): PolicyRule => {
  const match: Record<string, unknown> = {};
  for (const key of ['operations', 'assets', 'destinationTypes', 'destinations'] as const) if (r[key]) match[key] = r[key];
  if (r.sources) match['sources'] = r.sources.map((s) => (s.id === undefined ? { type: s.type } : s));
  if (r.min !== undefined || r.max !== undefined)
    match['amount'] = { ...(r.min !== undefined && { min: r.min }), ...(r.max !== undefined && { max: r.max }) };
  if (r.span && r.span[0] !== r.span[1]) match['timeOfDay'] = { from: r.span[0], to: r.span[1] };
  return {
    name: `r${index}`,
    action: r.action,
    match,
    ...(r.action === 'APPROVE' && r.perTransactionMax !== undefined && { caps: { perTransactionMax: r.perTransactionMax } }),
  };
};

const key = (s: string) => (/^0x[0-9a-fA-F]{40}$/.test(s) ? s.toLowerCase() : s);
const minutes = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3));
/** An independent reading of what a rule demands of a request: every condition (destinations: every one for APPROVE, any for REJECT), the cap. */
const oracleAdmits = (r: PolicyRule, f: TransferFacts): boolean => {
  const m = r.match;
  const all = <T>(list: readonly T[], test: (t: T) => boolean) => (r.action === 'REJECT' ? list.some(test) : list.every(test));
  if (m.timeOfDay) {
    const [from, to, now] = [minutes(m.timeOfDay.from), minutes(m.timeOfDay.to), f.at.getUTCHours() * 60 + f.at.getUTCMinutes()];
    if (!(from < to ? now >= from && now < to : now >= from || now < to)) return false;
  }
  if (m.operations && !(f.operation !== undefined && m.operations.includes(f.operation))) return false;
  if (m.assets && !(f.asset !== undefined && m.assets.includes(f.asset))) return false;
  if (m.amount) {
    if (!f.amount) return false;
    if (m.amount.min && compareDecimals(f.amount, parseDecimal(m.amount.min)!) < 0) return false;
    if (m.amount.max && compareDecimals(f.amount, parseDecimal(m.amount.max)!) > 0) return false;
  }
  if (m.sources && !(f.source?.type && m.sources.some((s) => s.type === f.source!.type && (s.id === undefined || s.id === f.source!.id))))
    return false;
  if (
    m.destinationTypes &&
    !(f.destinations.length > 0 && all(f.destinations, (d) => d.type !== undefined && m.destinationTypes!.includes(d.type)))
  )
    return false;
  if (m.destinations) {
    const allowed = m.destinations.map(key);
    const ok = (d: TransferFacts['destinations'][number]) =>
      (d.address !== undefined && allowed.includes(key(d.address))) ||
      // An APPROVE rule admits by id a typed, whitelisted destination only (not a one-time address, nor one that does not say its type).
      (d.id !== undefined &&
        (r.action === 'REJECT' || (d.type !== undefined && d.type !== 'ONE_TIME_ADDRESS')) &&
        allowed.includes(key(d.id)));
    if (!(f.destinations.length > 0 && all(f.destinations, ok))) return false;
  }
  if (r.caps?.perTransactionMax && !(f.amount && compareDecimals(f.amount, parseDecimal(r.caps.perTransactionMax)!) <= 0)) return false;
  return true;
};

describe('soundness of approvals (property)', () => {
  it('approves only what the deciding rule admits, and only when no earlier REJECT rule names any destination', () => {
    const destination = fc.record(
      { dstType: types, dstAddress: addresses, dstId: fc.constantFrom('wallet-7', 'wallet-9', 'w1') },
      { requiredKeys: [] },
    );
    const payload = fc.record(
      {
        operation: mostly(fc.constantFrom('TRANSFER', 'RAW')),
        asset: mostly(assets),
        amountStr: mostly(amounts),
        sourceType: fc.constantFrom('VAULT_ACCOUNT', 'EXCHANGE'),
        sourceId: mostly(fc.constantFrom('0', '5')),
        destType: types,
        destAddress: addresses,
        destId: fc.constantFrom('wallet-7', 'w1'),
        destinations: mostly(fc.array(mostly(destination), { maxLength: 4 })),
      },
      { requiredKeys: [] },
    );
    let approvals = 0;
    fc.assert(
      fc.property(fc.array(rule, { maxLength: 5 }), payload, fc.integer({ min: 0, max: 1439 }), (rules, body, minute) => {
        const validated = validatePolicy({ rules: rules.map(written) });
        if (validated.errors) return;
        const request = readSignRequest({ requestId: 'r', ...body }, new Date(Date.UTC(2026, 10, 29, 0, minute)));
        const decision = decide(validated.document, request.facts, () => ({ sum: ZERO, count: 0 }));
        if (decision.action !== 'APPROVE') return;
        approvals += 1;
        expect(oracleAdmits(validated.document.rules[decision.rule]!, request.facts)).toBe(true);
        // No earlier rule admitted the request: in particular no REJECT rule naming one of its destinations (or types).
        for (const earlier of validated.document.rules.slice(0, decision.rule)) expect(oracleAdmits(earlier, request.facts)).toBe(false);
      }),
      { numRuns: 5000 },
    );
    // The property is not vacuous: a fair share of the runs approve.
    expect(approvals).toBeGreaterThan(300);
  });
});
