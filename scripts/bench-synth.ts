/**
 * Wall time of synthesizing every environment (target: under 3 s on a 2-core
 * machine) and the object count per environment. Prints a table and writes
 * .bench/synth.json. A figure, not a test.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

const repoRoot = resolve(__dirname, '..');
const runs = 5;

function main(): void {
  const loadStart = performance.now();
  // require, not import: the load time of cdk8s and the constructs is part of the figure.
  const { synthAll } = require('../infra/synth') as typeof import('../infra/synth');
  const loadMs = performance.now() - loadStart;
  const out = mkdtempSync(join(tmpdir(), 'hive-bench-synth-'));
  const times: number[] = [];
  let counts: Record<string, number> = {};
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    counts = synthAll(repoRoot, join(out, String(i)));
    times.push(performance.now() - start);
  }
  rmSync(out, { recursive: true, force: true });
  times.sort((a, b) => a - b);
  const result = {
    moduleLoadMs: Math.round(loadMs),
    firstSynthMs: Math.round(times[times.length - 1]),
    medianSynthMs: Math.round(times[Math.floor(runs / 2)]),
    coldTotalMs: Math.round(loadMs + times[times.length - 1]),
    objectsPerEnvironment: counts,
    targetMs: 3000,
  };
  console.log('figure                               value');
  console.log(`module load (cdk8s, constructs)      ${result.moduleLoadMs} ms`);
  console.log(`synth all environments, median      ${result.medianSynthMs} ms`);
  console.log(`cold: load + slowest synth           ${result.coldTotalMs} ms (target < ${result.targetMs} ms)`);
  for (const [env, count] of Object.entries(counts)) console.log(`objects in ${env.padEnd(26)}${count}`);
  mkdirSync(join(repoRoot, '.bench'), { recursive: true });
  writeFileSync(join(repoRoot, '.bench', 'synth.json'), `${JSON.stringify(result, null, 2)}\n`);
}

main();
