import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEnvironment } from '../../infra/environment/stack-files';
import { loadChartsOut } from '../support/manifests';
import { REPO_ROOT } from '../support/repo';
import { POLICY_RULES, RULES_WITH_OWN_TESTS } from './policy-rules';

const environments = loadChartsOut();

describe('the policy checklist', () => {
  it('has a check for every rule id of docs/policies.md, and no check for a rule it does not list', () => {
    const policies = readFileSync(join(REPO_ROOT, 'docs', 'policies.md'), 'utf8');
    const ids = [...policies.matchAll(/^\| ([A-Z][A-Z-]+) \|/gm)].map((m) => m[1]).filter((id) => id !== 'ID');
    expect(ids.length).toBeGreaterThan(20);
    expect([...Object.keys(POLICY_RULES), ...Object.keys(RULES_WITH_OWN_TESTS)].sort()).toEqual([...ids].sort());
  });

  it('covers at least staging and prod', () => {
    expect(environments.map((e) => e.env)).toEqual(expect.arrayContaining(['prod', 'staging']));
  });
});

for (const { env, objects } of environments) {
  const environment = loadEnvironment(REPO_ROOT, env);
  describe(`charts-out/${env}`, () => {
    for (const [id, check] of Object.entries(POLICY_RULES)) {
      it(`${id} holds for every object`, () => {
        expect(check(objects, environment)).toEqual([]);
      });
    }
  });
}
