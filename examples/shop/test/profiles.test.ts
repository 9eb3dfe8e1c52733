import { readdirSync } from 'node:fs';
import { StagesConfigSchema } from '@stages/core';
import { describe, expect, it } from 'vitest';
import { SHOP_SERVICES } from '../src/services/index.js';
import { parseProfile, placeholders, profilePath, readProfileText, SHOP_DIR } from '../src/stage/profile.js';

const stages = readdirSync(`${SHOP_DIR}/config`)
  .map((f) => /^stage-(\d+)\.yaml$/.exec(f)?.[1])
  .filter((n): n is string => n !== undefined)
  .map(Number)
  .sort((a, b) => a - b);

// Every placeholder filled with a recognisable fake, as the launcher would.
function fakeVars(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const p of placeholders(text)) vars[p.arg ? `${p.kind}:${p.arg}` : p.kind] = `${p.kind}-${p.arg ?? 'x'}`;
  return vars;
}

describe('stage profiles', () => {
  it('exist for the stages the docs describe', () => {
    expect(stages).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
  });

  it.each(stages)('stage %i parses, names its own stage, and its app config passes core validation', (stage) => {
    const text = readProfileText(profilePath(stage));
    const profile = parseProfile(text, fakeVars(text), `stage-${stage}.yaml`);
    expect(profile.stage).toBe(stage);
    expect(profile.shop.jwtSecret).toBeTruthy();
    expect(StagesConfigSchema.safeParse(profile.app).success).toBe(true);
    for (const spec of profile.processes ?? []) {
      for (const service of spec.services) expect(Object.keys(SHOP_SERVICES)).toContain(service);
    }
  });

  it('a placeholder with no value fails naming it', () => {
    expect(() => parseProfile(readProfileText(profilePath(2)), {}, 'stage-2.yaml')).toThrow(
      /no value for \$\{pg:shop\}/,
    );
  });
});
