import { DemoRow, demoTable, shortAddress } from './demo-table';

const approved: DemoRow = {
  label: 'approved',
  amount: '2.5 ETH',
  destination: '0x5290…9EE7',
  expected: { action: 'APPROVE', reason: 'rule_approved', retried: false, status: 'approved' },
  seen: { action: 'APPROVE', reason: 'rule_approved', retries: 0, verified: true, status: 'approved', rule: 'eth-treasury' },
};

describe("the demo's table", () => {
  it('prints a line a transfer under aligned headers, and no failure when every row is as expected', () => {
    const { text, failures } = demoTable([
      approved,
      { ...approved, label: 'retried', expected: { ...approved.expected, retried: true }, seen: { ...approved.seen, retries: 2 } },
    ]);
    expect(failures).toEqual([]);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^ {2}transfer +amount +destination +answer +reason +retries +signature$/);
    expect(lines[2]).toMatch(/^ {2}approved +2\.5 ETH +0x5290…9EE7 +APPROVE +rule_approved \(eth-treasury\) +0 +✓ verified$/);
    expect(lines[3]).toMatch(/ 2 +✓ verified$/);
    // Aligned: every column starts where its header does.
    expect(lines[2]!.indexOf('APPROVE')).toBe(lines[0]!.indexOf('answer'));
  });

  it('names every way a row can miss: the answer, the reason, a RETRY missing or unexpected, the status, a signature', () => {
    const cases: [Partial<DemoRow['seen']>, Partial<DemoRow['expected']>, RegExp][] = [
      [{ action: 'REJECT' }, {}, /^approved: answer REJECT, expected APPROVE$/],
      [{ reason: 'no_rule_matched' }, {}, /^approved: reason no_rule_matched, expected rule_approved$/],
      [{}, { retried: true }, /^approved: never answered RETRY$/],
      [{ retries: 1 }, {}, /^approved: answered RETRY 1 times$/],
      [{ status: 'pending' }, {}, /^approved: transfer pending, expected approved$/],
      [{ verified: false }, {}, /^approved: an answer did not verify with our public key$/],
      [{ action: undefined }, {}, /^approved: answer none, expected APPROVE$/],
    ];
    for (const [seen, expected, failure] of cases) {
      const row = { ...approved, seen: { ...approved.seen, ...seen }, expected: { ...approved.expected, ...expected } };
      const { text, failures } = demoTable([row]);
      expect(failures).toEqual([expect.stringMatching(failure)]);
      if (seen.verified === false) expect(text).toContain('✗ NOT verified');
    }
  });

  it('shortens an address to its start and end', () => {
    expect(shortAddress('0x52908400098527886E0F7030069857D2E4169EE7')).toBe('0x5290…9EE7');
    expect(shortAddress('wallet-7')).toBe('wallet-7');
  });
});
