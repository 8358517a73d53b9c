import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadChartsOut } from '../support/manifests';
import { alertRules } from '../support/monitoring-queries';
import { REPO_ROOT } from '../support/repo';

/** GitHub's heading anchors: lowercase, spaces to dashes, punctuation dropped. */
const anchors = [...readFileSync(join(REPO_ROOT, 'docs', 'runbooks.md'), 'utf8').matchAll(/^## (.+)$/gm)].map((m) =>
  m[1].toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-'),
);

describe('runbooks', () => {
  for (const { env, objects } of loadChartsOut()) {
    it(`have a section for every alert's runbook_url in charts-out/${env}`, () => {
      const missing = alertRules(objects)
        .map((rule) => rule.annotations?.runbook_url ?? '')
        .filter((url) => !url.includes('docs/runbooks.md#') || !anchors.includes(url.split('#')[1]));
      expect(missing).toEqual([]);
    });
  }
});
