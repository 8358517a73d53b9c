import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AGENT_ROLES } from '../../agent-runtime/src/contract';
import { environmentApp } from '../../infra/chart/environment-app';
import { Environment } from '../../infra/environment/environment-schema';
import { loadEnvironment } from '../../infra/environment/stack-files';
import { KubeObject, readManifestDir } from './manifests';
import { REPO_ROOT } from './repo';

/** tests/fixtures/Pulumi.keda.yaml: staging with autoscaling.engine keda, architect and qa from zero. */
export function kedaEnvironment(): Environment {
  return loadEnvironment(join(REPO_ROOT, 'tests', 'fixtures'), 'keda');
}

/** The fixture's objects, synthesized as `npm run synth` would (images pinned to a fixed tag). */
export function synthKedaFixture(): { env: Environment; objects: KubeObject[] } {
  const env = kedaEnvironment();
  const image = (name: string) => `${env.image.registry}/${name}:fixture`;
  const images = { ...Object.fromEntries(AGENT_ROLES.map((r) => [r, image(r)])), gateway: image('base') } as Parameters<typeof environmentApp>[1];
  const outdir = mkdtempSync(join(tmpdir(), 'keda-fixture-'));
  try {
    environmentApp(env, images, outdir).app.synth();
    return { env, objects: readManifestDir(outdir) };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
