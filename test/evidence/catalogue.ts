import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiRisk, AsvsRequirement, Standards } from './model';

/** The two standards' catalogues (test/evidence/standards/): ids, levels, chapters and sections. */
export function loadStandards(): Standards {
  const read = <T>(name: string): T => JSON.parse(readFileSync(join(__dirname, 'standards', name), 'utf8')) as T;
  return {
    asvs: read<{ requirements: AsvsRequirement[] }>('asvs-5.0.0.json').requirements,
    api: read<{ risks: ApiRisk[] }>('api-top10-2023.json').risks,
  };
}
