import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadEnvironment } from '../../infra/environment/stack-files';
import { synthKedaFixture } from '../support/keda-fixture';
import { loadChartsOut } from '../support/manifests';
import { ruleGroups } from '../support/monitoring-queries';
import { runPromtool } from '../support/promtool';
import { REPO_ROOT } from '../support/repo';
import { alertCases, promtoolTestFile } from './alert-cases';
import { gatewayAlertCases } from './gateway-alert-cases';

const work = mkdtempSync(join(tmpdir(), 'hive-promtool-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const run = (args: string[]) => runPromtool(args, work);

describe('MON-PROMQL: promtool', () => {
  const keda = synthKedaFixture();
  // Every environment of charts-out, and the KEDA fixture: its architect and qa scale to zero.
  const environments = [
    ...loadChartsOut().map(({ env, objects }) => ({ env, objects, environment: loadEnvironment(REPO_ROOT, env) })),
    { env: 'keda-fixture', objects: keda.objects, environment: keda.env },
  ];
  for (const { env, objects, environment } of environments) {
    const groups = ruleGroups(objects);

    it(`passes 'promtool check rules' on the rule groups of ${env}`, () => {
      writeFileSync(join(work, `${env}.rules.yaml`), stringify({ groups }));
      const result = run(['check', 'rules', `${env}.rules.yaml`]);
      expect(result.output).toContain('SUCCESS');
      expect(result.ok).toBe(true);
    });

    it(`proves with 'promtool test rules' that each SLA and gateway alert of ${env} fires on a bad series and stays quiet on a good one`, () => {
      // promtool compares rendered annotations exactly; these tests are about expressions,
      // so the rules keep everything but their annotations (MON-RULES checks those).
      const bare = groups.map((g) => ({ ...g, rules: g.rules.map(({ annotations: _annotations, ...rule }) => rule) }));
      writeFileSync(join(work, `${env}.bare-rules.yaml`), stringify({ groups: bare }));
      const cases = [...alertCases(environment), ...gatewayAlertCases(environment)];
      writeFileSync(join(work, `${env}.test.yaml`), stringify(promtoolTestFile(`${env}.bare-rules.yaml`, cases)));

      const alertNames = new Set(groups.flatMap((g) => g.rules.map((r) => r.alert)));
      for (const alert of alertNames) {
        expect(cases.some((c) => c.alertname === alert && c.expected.length > 0), `${alert} has a firing case`).toBe(true);
        expect(cases.some((c) => c.alertname === alert && c.expected.length === 0), `${alert} has a quiet case`).toBe(true);
      }
      const result = run(['test', 'rules', `${env}.test.yaml`]);
      expect(result.output).toContain('SUCCESS');
      expect(result.ok).toBe(true);
    });
  }

  it('fails a case whose expectation is wrong, so the suite above can fail', () => {
    const environment = loadEnvironment(REPO_ROOT, 'staging');
    const groups = ruleGroups(loadChartsOut().find((e) => e.env === 'staging')!.objects);
    const bare = groups.map((g) => ({ ...g, rules: g.rules.map(({ annotations: _annotations, ...rule }) => rule) }));
    writeFileSync(join(work, 'wrong.rules.yaml'), stringify({ groups: bare }));
    const quiet = alertCases(environment).find((c) => c.name === 'no dead letters is quiet')!;
    const wrong = { ...quiet, expected: [{ role: 'qa', severity: 'warning' }] };
    writeFileSync(join(work, 'wrong.test.yaml'), stringify(promtoolTestFile('wrong.rules.yaml', [wrong])));
    expect(run(['test', 'rules', 'wrong.test.yaml']).ok).toBe(false);
    // And for a gateway alert: calls that wait for their task do not count, so they must not fire it.
    const streams = gatewayAlertCases(environment).find((c) => c.name.startsWith('long waiting calls'))!;
    writeFileSync(join(work, 'wrong-gateway.test.yaml'), stringify(promtoolTestFile('wrong.rules.yaml', [{ ...streams, expected: [{ method: 'SubscribeToTask', severity: 'warning' }] }])));
    expect(run(['test', 'rules', 'wrong-gateway.test.yaml']).ok).toBe(false);
  });
});
