import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, copyFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { synthAll } from '../../infra/synth';
import { listStacks } from '../../infra/environment/stack-files';
import { REPO_ROOT } from '../support/repo';

const work = mkdtempSync(join(tmpdir(), 'hive-synth-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const snapshot = (dir: string) =>
  Object.fromEntries(listStacks(REPO_ROOT).flatMap((env) => readdirSync(join(dir, env)).sort().map((f) => [`${env}/${f}`, readFileSync(join(dir, env, f), 'utf8')])));

describe('synth', () => {
  it('writes exactly what is committed in charts-out (run `npm run synth` and commit when this fails)', () => {
    synthAll(REPO_ROOT, join(work, 'a'));
    const fresh = snapshot(join(work, 'a'));
    const committed = snapshot(join(REPO_ROOT, 'charts-out'));
    expect(Object.keys(committed)).toEqual(Object.keys(fresh));
    for (const file of Object.keys(fresh)) expect(committed[file], file).toBe(fresh[file]);
  });

  it('is byte-identical between two runs', () => {
    synthAll(REPO_ROOT, join(work, 'b'));
    synthAll(REPO_ROOT, join(work, 'c'));
    expect(snapshot(join(work, 'c'))).toEqual(snapshot(join(work, 'b')));
  });

  it('writes nothing when an environment is invalid', () => {
    const repo = join(work, 'repo');
    mkdirSync(repo);
    for (const stack of listStacks(REPO_ROOT)) copyFileSync(join(REPO_ROOT, `Pulumi.${stack}.yaml`), join(repo, `Pulumi.${stack}.yaml`));
    writeFileSync(join(repo, 'Pulumi.prod.yaml'), readFileSync(join(repo, 'Pulumi.prod.yaml'), 'utf8').replace('maxReplicas: 25', 'maxReplicas: 0'));
    expect(() => synthAll(repo, join(work, 'bad'))).toThrow(/roles\.developer\.maxReplicas/);
    expect(() => readdirSync(join(work, 'bad'))).toThrow();
  });
});
