import { evaluate, readmeGuarantees, tagsOf } from './evidence';
import type { ClaimSet, Standards, TestOutcome } from './model';
import { renderEvidence } from './render';

const standards: Standards = {
  asvs: [
    { id: 'V1.1.1', level: 1, chapter: 'One', section: 'First' },
    { id: 'V1.1.2', level: 2, chapter: 'One', section: 'First' },
    { id: 'V1.2.1', level: 3, chapter: 'One', section: 'Second' },
    { id: 'V2.1.1', level: 2, chapter: 'Two', section: 'Only' },
  ],
  api: [{ id: 'API1:2023', name: 'Broken Object Level Authorization' }],
};
const decoding = { id: 'V1.1.1', claim: 'Every input is decoded once, before it is validated.' };
const claims: ClaimSet = {
  claims: [decoding, { id: 'API1:2023', claim: 'A workspace reads only its own objects, in the code and under RLS.' }],
  unclaimed: [{ ids: ['V1.1.2', 'V2'], why: 'Out of scope for this fixture, which tests the rules.' }],
};
const readme = [
  '# x',
  '## What the boundary guarantees (each has a test)',
  '',
  '- Inputs are decoded once',
  '  and validated after [V1.1.1].',
  '- Tenants are walled [API1:2023].',
  '',
  '## Next',
  '- not a guarantee',
].join('\n');
const pass = (title: string, file = 'a.spec.ts'): TestOutcome => ({ file, title, status: 'passed' });
const good: TestOutcome[] = [pass('decoding › once [V1.1.1]'), pass('tenancy [API1:2023] › reads its own', 'b.spec.ts'), pass('untagged')];

describe('security evidence (docs/adr/0029)', () => {
  it('reads the ids a title carries, one or several in a bracket, and nothing else', () => {
    expect(tagsOf('refuses a replay [V6.3.1] › and [V8.2.1, API1:2023] [API10:2023]')).toEqual([
      'V6.3.1',
      'V8.2.1',
      'API1:2023',
      'API10:2023',
    ]);
    expect(tagsOf('version V6.3.1 and [v6.3.1] and [V6.3] and [API1:2019]')).toEqual([]);
  });

  it("reads the README's guarantees, continuation lines included, up to the next heading", () => {
    expect(readmeGuarantees(readme)).toEqual([
      { text: 'Inputs are decoded once and validated after [V1.1.1].', ids: ['V1.1.1'] },
      { text: 'Tenants are walled [API1:2023].', ids: ['API1:2023'] },
    ]);
    expect(readmeGuarantees('# nothing')).toBeUndefined();
  });

  it('has no problem when every claim has passing tests and every level 1 and 2 requirement is answered', () => {
    const evidence = evaluate({ standards, claims, tests: good, readme });
    expect(evidence.errors).toEqual([]);
    expect(evidence.claimed.map((row) => [row.id, row.passed])).toEqual([
      ['V1.1.1', 1],
      ['API1:2023', 1],
    ]);
    expect(evidence.totals).toEqual({ tests: 3, tagged: 2, passed: 3, failed: 0 });
    expect(evidence.unclaimed[0]?.covers).toBe(2);
  });

  it('fails a claim that no test carries, and one whose tagged test failed', () => {
    const failing: TestOutcome = { file: 'b.spec.ts', title: 'tenancy [API1:2023]', status: 'failed' };
    const errors = evaluate({ standards, claims, tests: [failing], readme }).errors;
    expect(errors).toEqual(
      expect.arrayContaining([
        'claim V1.1.1: no passing test carries it',
        'claim API1:2023: no passing test carries it',
        'claim API1:2023: b.spec.ts: "tenancy [API1:2023]" is failed',
      ]),
    );
    const skipped: TestOutcome = { ...pass('x [V1.1.1]'), status: 'skipped' };
    expect(evaluate({ standards, claims, tests: [...good, skipped], readme }).errors).toEqual([
      'claim V1.1.1: a.spec.ts: "x [V1.1.1]" is skipped',
    ]);
  });

  it('fails a tag that no claim states, or that is no requirement', () => {
    const errors = evaluate({ standards, claims, tests: [...good, pass('x [V1.2.1]'), pass('y [V9.9.9]')], readme }).errors;
    expect(errors).toEqual([
      'a.spec.ts: "x [V1.2.1]" carries V1.2.1, which no claim states',
      'a.spec.ts: "y [V9.9.9]" carries V9.9.9, which is not a requirement',
    ]);
  });

  it('fails a level 1 or 2 requirement or an API risk neither claimed nor unclaimed, but not a level 3 one', () => {
    const partial: ClaimSet = {
      claims: [decoding],
      unclaimed: [{ ids: ['V1.1.2'], why: 'Out of scope for this fixture, which tests the rules.' }],
    };
    const errors = evaluate({ standards, claims: partial, tests: good, readme }).errors;
    expect(errors).toContain('V2.1.1 (level 2, Only): neither claimed nor unclaimed with a reason');
    expect(errors).toContain('API1:2023 (Broken Object Level Authorization): neither claimed nor unclaimed with a reason');
    expect(errors.some((error) => error.startsWith('V1.2.1'))).toBe(false);
  });

  it('fails a requirement both claimed and unclaimed, claimed twice, unknown, or stated without a reason', () => {
    const bad: ClaimSet = {
      claims: [...claims.claims, decoding, { id: 'V3.1.1', claim: 'A claim about nothing we know.' }],
      unclaimed: [...claims.unclaimed, { ids: ['V1.1'], why: 'short' }],
    };
    const errors = evaluate({ standards, claims: bad, tests: good, readme }).errors;
    expect(errors).toEqual(
      expect.arrayContaining([
        'claim V1.1.1: claimed twice',
        'claim V3.1.1: not an ASVS 5.0.0 requirement or an API Top 10 2023 risk',
        'unclaimed V1.1: say why, in a sentence',
        'V1.1.1 is both claimed and unclaimed (V1.1)',
      ]),
    );
  });

  it('fails a README guarantee that names no requirement or one no claim states, and a README without the section', () => {
    const errors = evaluate({ standards, claims, tests: good, readme: `${readme.replace(' [API1:2023]', '')}\n` }).errors;
    expect(errors).toEqual(['README guarantee "Tenants are walled." names no requirement']);
    expect(evaluate({ standards, claims, tests: good, readme: readme.replace('[API1:2023]', '[V2.1.1]') }).errors).toEqual([
      'README guarantee "Tenants are walled ." names V2.1.1, which no claim states',
    ]);
    expect(evaluate({ standards, claims, tests: good, readme: '# x' }).errors).toEqual([
      'README.md: no "## What the boundary guarantees" section',
    ]);
  });

  it('renders the same page for the same outcomes, whatever order the run reported them in', () => {
    const once = renderEvidence(evaluate({ standards, claims, tests: good, readme }), standards);
    const again = renderEvidence(evaluate({ standards, claims, tests: [...good].reverse(), readme }), standards);
    expect(again).toBe(once);
    expect(once).toContain(
      '| V1.1.1 | 1 | One › First | Every input is decoded once, before it is validated. | `a.spec.ts` (1) | pass (1) |',
    );
  });
});
