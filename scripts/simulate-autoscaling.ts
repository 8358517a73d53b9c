/**
 * Autoscaling on workload traces (npm run simulate:autoscaling): the HPA algorithm on the
 * HPAs and adapter rules rendered into charts-out/<env>/, against a CPU-only HPA, KEDA's
 * redis-streams lag scaler with its defaults, and the ScaledObjects the environment gets
 * with `autoscaling.engine: keda`. Prints a table, writes .bench/autoscaling.json and a plot per
 * scenario into docs/autoscaling/ (the README shows them).
 *
 *   --env prod          the environment whose rendered objects to read
 *   --seed 1            traces and task durations
 *   --start-delay 30    pod creation to process start (scheduling, image pull), seconds
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { scenarioSvg } from './autoscaling/plots';
import { readRenderedEnvironment } from './autoscaling/rendered-objects';
import { SCENARIOS } from './autoscaling/scenarios';
import { synthKedaVariant } from './autoscaling/keda-variant';
import { DEFAULT_MODEL, HPA_ENGINES, KEDA_ENGINES, Result, simulate } from './autoscaling/simulate';

const repoRoot = resolve(__dirname, '..');
const { values } = parseArgs({
  options: {
    env: { type: 'string', default: 'prod' },
    seed: { type: 'string', default: String(DEFAULT_MODEL.seed) },
    'start-delay': { type: 'string', default: String(DEFAULT_MODEL.startDelaySeconds) },
  },
});
const model = { ...DEFAULT_MODEL, seed: Number(values.seed), startDelaySeconds: Number(values['start-delay']) };
const env = readRenderedEnvironment(join(repoRoot, 'charts-out'), values.env);
const kedaDir = synthKedaVariant(repoRoot, values.env);
const kedaEnv = readRenderedEnvironment(kedaDir, values.env);
rmSync(kedaDir, { recursive: true, force: true });

const results: Result[] = SCENARIOS.flatMap((scenario) => [
  ...HPA_ENGINES.map((engine) => simulate(env, scenario, engine, model)),
  ...KEDA_ENGINES.map((engine) => simulate(kedaEnv, scenario, engine, model)),
]);

const header = ['scenario', 'engine', 'tasks', 'drain', 'p95 wait', 'cold starts (max wait)', 'agent-min', 'scale events', 'interrupted', 'turns lost (ckpt / none)'];
const rows = results.map((r) => [
  r.scenario,
  r.engine,
  String(r.tasks),
  r.drainSeconds === null ? 'not drained' : minutes(r.drainSeconds),
  minutes(r.p95QueueWaitSeconds),
  r.coldArrivals ? `${r.coldArrivals} (${minutes(r.maxColdWaitSeconds)})` : '-',
  String(r.agentMinutes),
  String(r.scaleEvents),
  String(r.interrupted),
  `${r.turnsLostWithCheckpoints} / ${r.turnsLostWithoutCheckpoints}`,
]);
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
for (const row of [header, ...rows]) console.log(row.map((cell, i) => cell.padEnd(widths[i])).join('  '));

mkdirSync(join(repoRoot, '.bench'), { recursive: true });
writeFileSync(
  join(repoRoot, '.bench', 'autoscaling.json'),
  `${JSON.stringify({ env: values.env, model, results: results.map(({ series: _series, ...figures }) => figures) }, null, 2)}\n`,
);
const plots = join(repoRoot, 'docs', 'autoscaling');
mkdirSync(plots, { recursive: true });
void Promise.all(
  SCENARIOS.map(async (scenario) => {
    const svg = await scenarioSvg(scenario, results.filter((r) => r.scenario === scenario.name));
    writeFileSync(join(plots, `${scenario.name}.svg`), svg);
  }),
).then(() => console.log(`\nmodel: ${JSON.stringify(model)}; .bench/autoscaling.json and docs/autoscaling/*.svg written`));

function minutes(seconds: number): string {
  return seconds < 60 ? `${Math.round(seconds)} s` : `${(seconds / 60).toFixed(1)} min`;
}
