import { join } from 'node:path';
import { environmentApp, workloadImages } from '../../infra/chart/environment-app';
import { Environment } from '../../infra/environment/environment-schema';
import { loadEnvironment } from '../../infra/environment/stack-files';
import { computeImageTags } from '../../infra/images/image-tags';
import { KubeObject } from './manifests';
import { REPO_ROOT } from './repo';

/** tests/fixtures/Pulumi.keda.yaml: staging with autoscaling.engine keda, architect and qa from zero. */
export function kedaEnvironment(): Environment {
  return loadEnvironment(join(REPO_ROOT, 'tests', 'fixtures'), 'keda');
}

/** The fixture's objects, as `npm run synth` renders an environment. */
export function synthKedaFixture(): { env: Environment; objects: KubeObject[] } {
  const env = kedaEnvironment();
  return { env, objects: environmentApp(env, workloadImages(env, computeImageTags(REPO_ROOT))).chart.toJson() as KubeObject[] };
}
