import { POLICY_LIMITS, validatePolicy } from './policy-document';

const { rules: RULES, listEntries: ENTRIES } = POLICY_LIMITS;

describe('attacks on policy validation', () => {
  // Every later rule is compared with every earlier one; lists that agree but for their last entry make each
  // comparison walk both lists in full (list × list per pair, pairs × rules²) unless the lists are compared as sets.
  const wide = Array.from({ length: ENTRIES }, (_, i) => `0x${i.toString(16).padStart(40, '0')}`);
  const narrow = [...Array.from({ length: ENTRIES - 1 }, () => wide[ENTRIES - 1]!), '0xffff'];
  const documentOf = (match: (index: number) => object) => ({
    rules: Array.from({ length: RULES }, (_, index) => ({
      name: `r${index}`,
      action: 'APPROVE',
      match: { ...match(index), amount: { max: String(index) } },
    })),
  });

  // How long they take is measured in `npm run bench` (cosigner policy worst cases), as a ratio to a linear baseline.
  it('validates the largest documents with list-heavy rules (destinations, assets, sources)', () => {
    const attacks = {
      destinations: documentOf((index) => ({ destinations: index % 2 ? narrow : wide })),
      assets: documentOf((index) => ({ assets: index % 2 ? narrow : wide })),
      // (Short ids: what is quadratic is the number of entries, not their length.)
      sources: documentOf((index) => ({ sources: (index % 2 ? narrow : wide).map((id) => ({ type: 'V', id: id.slice(-4) })) })),
    };
    for (const [name, document] of Object.entries(attacks)) {
      // Each rule is reachable (its max amount is above every earlier rule's).
      expect({ name, errors: validatePolicy(document).errors }).toEqual({ name, errors: undefined });
    }
  });
});
