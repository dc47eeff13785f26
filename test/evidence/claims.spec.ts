import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadStandards } from './catalogue';
import { CLAIMS } from './claims';
import { evaluate } from './evidence';

/**
 * Ringfence's own claims, checked on every run, a filtered one included: known ids, every level 1
 * and 2 requirement and API risk answered, no requirement both claimed and unclaimed, every README
 * guarantee naming claimed requirements. Whether each claim has a passing test needs the whole
 * run's outcomes: the reporter checks that after a full run (docs/adr/0029-security-evidence.md).
 */
describe("Ringfence's claims (test/evidence/claims)", () => {
  const evidence = evaluate({
    standards: loadStandards(),
    claims: CLAIMS,
    tests: [],
    readme: readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8'),
  });

  it('answer every level 1 and 2 ASVS 5.0.0 requirement and every API Top 10 2023 risk, and each README guarantee names claimed requirements', () => {
    expect(evidence.errors.filter((error) => !error.endsWith('no passing test carries it'))).toEqual([]);
    expect(evidence.guarantees.length).toBeGreaterThan(15);
    expect(evidence.guarantees.every((guarantee) => guarantee.ids.length > 0)).toBe(true);
  });

  it('say why for every requirement not claimed, in one of the kinds ADR 0029 names; "not claimed" only at level 3', () => {
    const kinds = /^(Not applicable|Not met|Partly|Met by design|Documented only|Not claimed)\b/;
    expect(CLAIMS.unclaimed.filter((entry) => !kinds.test(entry.why)).map((entry) => entry.ids.join(', '))).toEqual([]);
    const level = new Map(loadStandards().asvs.map((requirement) => [requirement.id, requirement.level]));
    const notClaimed = CLAIMS.unclaimed.filter((entry) => entry.why.startsWith('Not claimed')).flatMap((entry) => entry.ids);
    expect(notClaimed.filter((id) => level.get(id) !== 3)).toEqual([]);
  });
});
