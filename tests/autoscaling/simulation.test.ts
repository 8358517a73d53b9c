import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { readRenderedEnvironment } from '../../scripts/autoscaling/rendered-objects';
import { SCENARIOS } from '../../scripts/autoscaling/scenarios';
import { Keda } from '../../scripts/autoscaling/autoscalers';
import { synthKedaVariant } from '../../scripts/autoscaling/keda-variant';
import { scenarioSvg } from '../../scripts/autoscaling/plots';
import { Scenario } from '../../scripts/autoscaling/scenarios';
import { breakerClosesAt, DEFAULT_MODEL, Engine, HPA_ENGINES, KEDA_ENGINES, simulate } from '../../scripts/autoscaling/simulate';
import { REPO_ROOT } from '../support/repo';

const chartsOut = join(REPO_ROOT, 'charts-out');
const scenario = (name: string) => SCENARIOS.find((s) => s.name === name)!;
const engine = (name: string) => HPA_ENGINES.find((e) => e.name === name)!;
const copies: string[] = [];
afterAll(() => copies.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** charts-out/prod copied, with `edit` applied to one file. */
function editedProd(file: string, edit: (text: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), 'charts-out-'));
  copies.push(dir);
  cpSync(join(chartsOut, 'prod'), join(dir, 'prod'), { recursive: true });
  const path = join(dir, 'prod', file);
  const edited = edit(readFileSync(path, 'utf8'));
  writeFileSync(path, edited);
  return dir;
}

describe('the autoscaling simulation', () => {
  const prod = readRenderedEnvironment(chartsOut, 'prod');

  it('reads the rendered HPAs, Deployments and adapter rules', () => {
    const developer = prod.roles.find((r) => r.role === 'developer')!;
    expect(developer.hpa!.maxReplicas).toBe(25);
    expect(developer.hpa!.metrics.map((m) => m.kind)).toEqual(['external', 'pods', 'cpu']);
    expect(developer.concurrency).toBe(1);
    expect([...prod.adapter.withheldWhileCircuitOpen]).toEqual(['hive_queue_backlog']);
  });

  it('gives the same figures for the same seed, and others for another', () => {
    const steady = scenario('steady');
    const { series: _a, ...first } = simulate(prod, steady, engine('hpa'));
    const { series: _b, ...again } = simulate(prod, steady, engine('hpa'));
    const { series: _c, ...other } = simulate(prod, steady, engine('hpa'), { ...DEFAULT_MODEL, seed: 2 });
    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
  });

  it('follows a change to an HPA in charts-out', () => {
    const before = simulate(prod, scenario('burst'), engine('hpa'));
    const dir = editedProd('HorizontalPodAutoscaler.agent-developer.yaml', (t) => t.replace('maxReplicas: 25', 'maxReplicas: 10'));
    const after = simulate(readRenderedEnvironment(dir, 'prod'), scenario('burst'), engine('hpa'));
    expect(Math.max(...after.series.map((p) => p.replicas))).toBe(10);
    expect(after.drainSeconds!).toBeGreaterThan(before.drainSeconds! * 2);
  });

  it('holds a role through an API outage only while the adapter withholds the backlog', () => {
    const outage = scenario('outage');
    const withheld = simulate(prod, outage, engine('hpa'));
    const dir = editedProd('ConfigMap.agent-hive-adapter-rules-agent-hive.yaml', (text) => {
      const configMap = parse(text);
      const config = parse(configMap.data['config.yaml']);
      config.externalRules[0].metricsQuery = 'max(hive_queue_backlog{<<.LabelMatchers>>}) by (role)';
      configMap.data['config.yaml'] = stringify(config);
      return stringify(configMap);
    });
    const notWithheld = simulate(readRenderedEnvironment(dir, 'prod'), outage, engine('hpa'));
    const developer = (r: typeof withheld, from: number, to: number) =>
      r.series.filter((p) => p.role === 'developer' && p.minute >= from && p.minute < to).map((p) => p.replicas);
    // Withheld: the size before the outage holds (scaling is skipped); served: the growing backlog scales the role up.
    const before = developer(withheld, 29, 30)[0];
    expect(new Set(developer(withheld, 31, 45))).toEqual(new Set([before]));
    expect(Math.max(...developer(notWithheld, 31, 45))).toBeGreaterThan(before);
  });

  it("keeps a KEDA role with given-back work up: the lag no longer counts it, the pending trigger does", () => {
    const dir = synthKedaVariant(REPO_ROOT, 'prod');
    copies.push(dir);
    const kedaProd = readRenderedEnvironment(dir, 'prod');
    // Two architect tasks (one agent's slots), then the API goes away for 20 min and nothing new arrives.
    const quiet: Scenario = { name: 'quiet', description: '', durationSeconds: 60, plotMinutes: 60, arrivals: () => ({ architect: [0, 0] }), outage: { start: 40, end: 1240 } };
    const withoutPending: Engine = {
      name: 'keda-without-pending',
      deletion: 'newest',
      build: (r) => {
        const settings = r.scaledObject!;
        return { autoscaler: new Keda({ ...settings, triggers: settings.triggers.filter((t) => t.signal !== 'pending') }), initialReplicas: 0 };
      },
    };
    expect(kedaProd.roles.find((r) => r.role === 'architect')!.scaledObject!.triggers.map((t) => t.signal)).toEqual(['lag', 'pending', 'inFlight']);
    expect(simulate(kedaProd, quiet, KEDA_ENGINES[0]).drainSeconds).not.toBeNull();
    expect(simulate(kedaProd, quiet, withoutPending).drainSeconds).toBeNull();
  });

  it('plots replicas and backlog per engine as SVG', async () => {
    const burst = scenario('burst');
    const svg = await scenarioSvg(burst, [simulate(prod, burst, engine('hpa')), simulate(prod, burst, engine('cpu-only'))]);
    expect(svg).toMatch(/^<svg /);
    for (const text of ['replicas (all loaded roles)', 'backlog (queued + in flight)', '>hpa<', '>cpu-only<']) expect(svg).toContain(text);
  });

  it('closes the breaker at the first probe after the outage', () => {
    // Probes after 5, 10, 20, ... 300 s open periods: 1805, 1815, 1835, 1875, 1955, 2115, 2415, 2715.
    expect(breakerClosesAt(1800, 2700)).toBe(2715);
  });
});
