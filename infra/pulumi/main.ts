import { resolve } from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { workloadImages } from '../chart/environment-app';
import { parseEnvironment } from '../environment/parse-environment';
import { PUSHED_IMAGES_RECORD } from '../images/pushed-images';
import { HiveDeployment } from './hive-deployment';
import { databaseUrlProblem, gatewayTokensProblem } from './secret-config-checks';
import { TestedImages } from './tested-images';

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
  gatewayTokens: requireCheckedSecret('gatewayTokens', gatewayTokensProblem),
  databaseUrl: requireCheckedSecret('databaseUrl', (url) => databaseUrlProblem(url, environment)),
  // Optional: public repositories need no token, and an environment that never pushes no push token.
  gitToken: config.getSecret('gitToken'),
  gitPushToken: config.getSecret('gitPushToken'),
};

const images = new TestedImages('agent-images', {
  repoRoot,
  recordPath: resolve(repoRoot, config.get('imagesRecord') ?? PUSHED_IMAGES_RECORD),
  registry: environment.image.registry,
  stack: pulumi.getStack(),
  registryAuth,
});
const { base: baseDigest, sandbox: sandboxDigest, ...roleDigests } = images.digests;
/**
 * What the Deployments run, by digest: each role its image, the gateway the base image (its entry point is there),
 * the sandbox sidecar the tested sandbox image unless the environment brings its own (already by digest).
 */
const digests = { ...roleDigests, gateway: baseDigest, ...(environment.sandbox?.image ? {} : { sandbox: sandboxDigest }) };
const deployment = new HiveDeployment('agent-hive', {
  environment,
  images: workloadImages(environment, images.tags),
  imageDigests: digests,
  kubeContext,
  secrets,
  allowNamespaceChange: config.getBoolean('allowNamespaceChange'),
});

export const namespace = environment.namespace;
/** What the Deployments run, by digest. */
export const imageReferences = { ...digests, ...(environment.sandbox?.image ? { sandbox: environment.sandbox.image } : {}) };
export const deploymentNames = deployment.deploymentNames;

/**
 * A secret config value, checked before any resource exists. A missing one
 * fails with Pulumi's own message and its `config set --secret` hint; a bad one
 * with the key and the problem, never the value.
 */
function requireCheckedSecret(key: string, problem: (value: string) => string | undefined): pulumi.Output<string> {
  const secret = config.requireSecret(key);
  const found = problem(config.require(key));
  if (found) throw new Error(`agent-hive:${key} ${found}`);
  return secret;
}
