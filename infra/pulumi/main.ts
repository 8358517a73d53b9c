import { resolve } from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { roleImages } from '../chart/environment-app';
import { parseEnvironment } from '../environment/parse-environment';
import { computeImageTags } from '../images/image-tags';
import { AgentImages } from './agent-images';
import { HiveDeployment } from './hive-deployment';

/**
 * The Pulumi program: one stack per environment. All config is read and
 * validated here, before any resource exists, so a bad stack creates nothing.
 * The environment comes from the same `agent-hive:environment` key synth reads.
 */
const repoRoot = resolve(__dirname, '..', '..');
const config = new pulumi.Config();
const environment = parseEnvironment(pulumi.getStack(), config.requireObject('environment'));
const kubeContext = config.require('kubeContext');
if (config.get('renderYamlToDirectory') !== undefined) {
  // The provider writes every object it renders, Secrets with their values, in plain text.
  throw new Error(
    "agent-hive:renderYamlToDirectory is refused: the Kubernetes provider would write the Secrets' values to that directory in plain text. " +
      'For review or GitOps use charts-out/<env>/ (`npm run synth`), which holds no secret; `pulumi up` creates the Secrets in the cluster.',
  );
}
const registryUsername = config.get('registryUsername');
const registryAuth = registryUsername ? { username: registryUsername, password: config.requireSecret('registryPassword') } : undefined;
const secrets = {
  anthropicApiKey: config.requireSecret('anthropicApiKey'),
  redisPassword: config.requireSecret('redisPassword'),
  postgresPassword: environment.postgres.mode === 'in-cluster' ? config.requireSecret('postgresPassword') : undefined,
};

const tags = computeImageTags(repoRoot);
const images = new AgentImages('agent-images', { repoRoot, registry: environment.image.registry, tags, registryAuth });
const deployment = new HiveDeployment(
  'agent-hive',
  {
    environment,
    images: roleImages(environment, tags),
    imageDigests: images.digests,
    kubeContext,
    secrets,
    allowNamespaceChange: config.getBoolean('allowNamespaceChange'),
  },
  { dependsOn: [images] },
);

export const namespace = environment.namespace;
/** What the Deployments run, by digest. */
export const imageReferences = images.digests;
export const deploymentNames = deployment.deploymentNames;
