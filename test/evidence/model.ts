/**
 * The evidence model (docs/evidence/README.md): what we claim against OWASP ASVS 5.0.0 and the
 * OWASP API Security Top 10 2023, in our words, and which requirements we do not claim and why.
 * Tests prove a claim by carrying its id in their title (or a describe's): `[V6.3.1]`,
 * `[V8.2.1 API1:2023]`.
 */

/** An ASVS 5.0.0 requirement id (`V6.3.1`) or an API Security Top 10 2023 risk (`API1:2023`). */
export type RequirementId = string;

export interface Claim {
  readonly id: RequirementId;
  /** What Ringfence does that meets the requirement, in our words: a sentence a tagged test proves. */
  readonly claim: string;
}

export interface Unclaimed {
  /** Requirements, or whole ASVS sections (`V5.2`) or chapters (`V17`). */
  readonly ids: readonly string[];
  readonly why: string;
}

export interface ClaimSet {
  readonly claims: readonly Claim[];
  readonly unclaimed: readonly Unclaimed[];
}

export type TestStatus = 'passed' | 'failed' | 'pending' | 'skipped' | 'todo' | 'disabled' | 'focused';

export interface TestOutcome {
  /** The spec file, relative to the repository. */
  readonly file: string;
  /** Describe titles and the test's own, joined by ' › '. */
  readonly title: string;
  readonly status: TestStatus;
}

export interface AsvsRequirement {
  readonly id: RequirementId;
  readonly level: 1 | 2 | 3;
  readonly chapter: string;
  readonly section: string;
}

export interface ApiRisk {
  readonly id: RequirementId;
  readonly name: string;
}

export interface Standards {
  readonly asvs: readonly AsvsRequirement[];
  readonly api: readonly ApiRisk[];
}
