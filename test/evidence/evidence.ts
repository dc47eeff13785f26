import type { Claim, ClaimSet, RequirementId, Standards, TestOutcome } from './model';

const ID = String.raw`(?:V\d+\.\d+\.\d+|API\d{1,2}:2023)`;
const TAG = new RegExp(String.raw`\[(${ID}(?:[ ,]+${ID})*)\]`, 'g');
const ONE_ID = new RegExp(ID, 'g');

/** The requirement ids a test title (or a README guarantee) carries: `[V6.3.1]`, `[V8.2.1, API1:2023]`. */
export function tagsOf(text: string): RequirementId[] {
  const ids = new Set<RequirementId>();
  for (const match of text.matchAll(TAG)) for (const id of (match[1] ?? '').match(ONE_ID) ?? []) ids.add(id);
  return [...ids];
}

export const GUARANTEES_HEADING = '## What the boundary guarantees';

export interface Guarantee {
  /** The bullet's text, its lines joined. */
  readonly text: string;
  readonly ids: RequirementId[];
}

/** The bullets of the README's guarantees section, each with the requirement ids it names. */
export function readmeGuarantees(readme: string): Guarantee[] | undefined {
  const lines = readme.split('\n');
  const start = lines.findIndex((line) => line.startsWith(GUARANTEES_HEADING));
  if (start < 0) return undefined;
  const bullets: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('#')) break;
    if (line.startsWith('- ')) bullets.push(line.slice(2).trim());
    else if (line.startsWith('  ') && bullets.length > 0) bullets[bullets.length - 1] += ` ${line.trim()}`;
  }
  return bullets.map((text) => ({ text, ids: tagsOf(text) }));
}

export interface RequirementRow {
  readonly id: RequirementId;
  /** ASVS: its level; the API Top 10: undefined. */
  readonly level?: number;
  /** ASVS: chapter › section; the API Top 10: the risk's name. */
  readonly heading: string;
  readonly claim: string;
  readonly tests: readonly TestOutcome[];
  readonly passed: number;
}

export interface UnclaimedRow {
  readonly ids: readonly string[];
  readonly why: string;
  /** How many level 1 and 2 requirements it covers (the API Top 10: risks). */
  readonly covers: number;
}

export interface Evidence {
  readonly errors: string[];
  readonly claimed: RequirementRow[];
  readonly unclaimed: UnclaimedRow[];
  readonly guarantees: Guarantee[];
  readonly totals: { tests: number; tagged: number; passed: number; failed: number };
}

export interface EvidenceInput {
  readonly standards: Standards;
  readonly claims: ClaimSet;
  readonly tests: readonly TestOutcome[];
  readonly readme: string;
}

/** Orders ids as the standards do: chapter, section, requirement by number; the API Top 10 after. */
export function compareIds(a: string, b: string): number {
  const key = (id: string): number[] =>
    id.startsWith('API') ? [1000, Number(id.slice(3).split(':')[0])] : id.slice(1).split('.').map(Number);
  const [x, y] = [key(a), key(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? -1) - (y[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

/** Whether an unclaimed entry (a requirement, a section `V5.2` or a chapter `V17`) covers an id. */
function covers(entry: string, id: RequirementId): boolean {
  return entry === id || (!entry.startsWith('API') && id.startsWith(`${entry}.`));
}

/**
 * Checks the claims against the standards, the tests' outcomes and the README, and builds the
 * evidence. An error is anything an auditor could not rely on: a claim no passing test proves, a
 * failing test under a claim, a tag without a claim, a level 1 or 2 requirement (or an API Top 10
 * risk) neither claimed nor excused, a README guarantee that names no claimed requirement.
 */
export function evaluate(input: EvidenceInput): Evidence {
  const { standards, claims, tests, readme } = input;
  const errors: string[] = [];
  const asvs = new Map(standards.asvs.map((r) => [r.id, r]));
  const api = new Map(standards.api.map((r) => [r.id, r]));
  const known = (id: string): boolean => asvs.has(id) || api.has(id);
  const knownEntry = (entry: string): boolean =>
    known(entry) || (/^V\d+(\.\d+)?$/.test(entry) && standards.asvs.some((r) => covers(entry, r.id)));

  const claimById = new Map<RequirementId, Claim>();
  for (const claim of claims.claims) {
    if (!known(claim.id)) errors.push(`claim ${claim.id}: not an ASVS 5.0.0 requirement or an API Top 10 2023 risk`);
    if (claimById.has(claim.id)) errors.push(`claim ${claim.id}: claimed twice`);
    if (claim.claim.trim().length < 20) errors.push(`claim ${claim.id}: say what Ringfence does, in a sentence`);
    claimById.set(claim.id, claim);
  }
  for (const entry of claims.unclaimed) {
    if (entry.why.trim().length < 20) errors.push(`unclaimed ${entry.ids.join(', ')}: say why, in a sentence`);
    for (const id of entry.ids) {
      if (!knownEntry(id)) errors.push(`unclaimed ${id}: not an ASVS 5.0.0 requirement, section or chapter, or an API risk`);
      for (const claimed of claimById.keys()) if (covers(id, claimed)) errors.push(`${claimed} is both claimed and unclaimed (${id})`);
    }
  }

  const testsById = new Map<RequirementId, TestOutcome[]>();
  let tagged = 0;
  for (const test of tests) {
    const ids = tagsOf(test.title);
    if (ids.length > 0) tagged++;
    for (const id of ids) {
      if (!known(id)) errors.push(`${test.file}: "${test.title}" carries ${id}, which is not a requirement`);
      else if (!claimById.has(id)) errors.push(`${test.file}: "${test.title}" carries ${id}, which no claim states`);
      else testsById.set(id, [...(testsById.get(id) ?? []), test]);
    }
  }

  const claimed: RequirementRow[] = [...claimById.values()]
    .sort((a, b) => compareIds(a.id, b.id))
    .map((claim) => {
      const proofs = (testsById.get(claim.id) ?? []).slice().sort((a, b) => a.file.localeCompare(b.file) || a.title.localeCompare(b.title));
      const passed = proofs.filter((t) => t.status === 'passed').length;
      const failing = proofs.filter((t) => t.status !== 'passed');
      if (passed === 0) errors.push(`claim ${claim.id}: no passing test carries it`);
      for (const test of failing) errors.push(`claim ${claim.id}: ${test.file}: "${test.title}" is ${test.status}`);
      const requirement = asvs.get(claim.id);
      const heading = requirement ? `${requirement.chapter} › ${requirement.section}` : (api.get(claim.id)?.name ?? '');
      return { id: claim.id, level: requirement?.level, heading, claim: claim.claim, tests: proofs, passed };
    });

  const excused = (id: string): boolean => claims.unclaimed.some((entry) => entry.ids.some((e) => covers(e, id)));
  for (const requirement of standards.asvs)
    if (requirement.level <= 2 && !claimById.has(requirement.id) && !excused(requirement.id))
      errors.push(`${requirement.id} (level ${requirement.level}, ${requirement.section}): neither claimed nor unclaimed with a reason`);
  for (const risk of standards.api)
    if (!claimById.has(risk.id) && !excused(risk.id)) errors.push(`${risk.id} (${risk.name}): neither claimed nor unclaimed with a reason`);

  const unclaimed: UnclaimedRow[] = claims.unclaimed.map((entry) => ({
    ids: entry.ids,
    why: entry.why,
    covers:
      standards.asvs.filter((r) => r.level <= 2 && entry.ids.some((e) => covers(e, r.id))).length +
      standards.api.filter((r) => entry.ids.includes(r.id)).length,
  }));

  const guarantees = readmeGuarantees(readme);
  if (guarantees === undefined) errors.push(`README.md: no "${GUARANTEES_HEADING}" section`);
  for (const guarantee of guarantees ?? []) {
    const plain = guarantee.text.replace(TAG, '').replace(/\s+/g, ' ').trim();
    const excerpt = plain.length > 60 ? `${plain.slice(0, 60)}…` : plain;
    if (guarantee.ids.length === 0) errors.push(`README guarantee "${excerpt}" names no requirement`);
    for (const id of guarantee.ids) if (!claimById.has(id)) errors.push(`README guarantee "${excerpt}" names ${id}, which no claim states`);
  }

  return {
    errors,
    claimed,
    unclaimed,
    guarantees: guarantees ?? [],
    totals: {
      tests: tests.length,
      tagged,
      passed: tests.filter((t) => t.status === 'passed').length,
      failed: tests.filter((t) => t.status === 'failed').length,
    },
  };
}
