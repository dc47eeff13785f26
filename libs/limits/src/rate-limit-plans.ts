/** A workspace plan's request limits, per key and per workspace, over a sliding minute. */
export interface PlanLimits {
  readonly perKeyPerMinute: number;
  readonly perWorkspacePerMinute: number;
}

export type PlanCatalogue = Readonly<Record<string, PlanLimits>>;

/** The plan a workspace gets when none is named, and the one an unknown stored plan falls back to. */
export const DEFAULT_PLAN = 'standard';

/** The built-in catalogue; RATE_LIMIT_PLANS replaces it (and must keep `standard`). */
export const DEFAULT_PLANS: PlanCatalogue = {
  trial: { perKeyPerMinute: 60, perWorkspacePerMinute: 120 },
  standard: { perKeyPerMinute: 600, perWorkspacePerMinute: 1200 },
  enterprise: { perKeyPerMinute: 3000, perWorkspacePerMinute: 6000 },
};

export const PLAN_NAME = /^[a-z][a-z0-9_-]{0,39}$/;

/** Problems with a catalogue, for the configuration's error list. */
/** A plan's limits by name, own entries only (a name like `constructor` must not read an Object method); undefined when unknown. */
export function planLimitsOf(catalogue: PlanCatalogue, name: string): PlanLimits | undefined {
  return Object.hasOwn(catalogue, name) ? catalogue[name] : undefined;
}

export function catalogueProblems(catalogue: unknown): string[] {
  if (typeof catalogue !== 'object' || catalogue === null || Array.isArray(catalogue)) return ['must be a JSON object of plans'];
  const problems: string[] = [];
  const entries = Object.entries(catalogue as Record<string, unknown>);
  if (!entries.some(([name]) => name === DEFAULT_PLAN)) problems.push(`must define the "${DEFAULT_PLAN}" plan`);
  for (const [name, limits] of entries) {
    if (!PLAN_NAME.test(name)) problems.push(`plan name "${name.slice(0, 40)}" must match ${PLAN_NAME.source}`);
    const { perKeyPerMinute, perWorkspacePerMinute } = (limits ?? {}) as Partial<Record<keyof PlanLimits, unknown>>;
    for (const [field, value] of [
      ['perKeyPerMinute', perKeyPerMinute],
      ['perWorkspacePerMinute', perWorkspacePerMinute],
    ] as const) {
      if (!Number.isSafeInteger(value) || (value as number) < 1)
        problems.push(`plan "${name.slice(0, 40)}": ${field} must be a positive integer`);
    }
  }
  return problems;
}
