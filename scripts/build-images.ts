/**
 * Builds the agent images: the runtime base, then one image per role on it,
 * and the sandbox image (a toolchain with the runtime's sandbox server).
 * Tags are the content hashes the manifests and the Pulumi program use
 * (infra/images/image-tags.ts). Each role image is smoke-tested as an agent,
 * the base image as the gateway Kubernetes runs from it, and the sandbox
 * image as a toolchain and a sandbox server; only when every
 * test passes are the images tagged `good`; with --push they are then pushed,
 * and .images/pushed.json records their digests: what `pulumi up` deploys. A
 * failure leaves the previous `good` tags and record alone and exits 1.
 *
 *   npm run images -- [--dry-run] [--push] [--registry R | --stack S] [--node-image REF] [--engine docker|buildah]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AGENT_ROLES, AgentRole } from '../agent-runtime/src/contract';
import { loadEnvironment } from '../infra/environment/stack-files';
import { BuiltImage, computeImageTags, imageReference } from '../infra/images/image-tags';
import { defaultNodeImage, pushRefusal } from '../infra/images/node-image';
import { PUSHED_IMAGES_RECORD, PushedImage, writePushedImages } from '../infra/images/pushed-images';
import { FakeMessagesApi, text } from '../tests/support/fake-messages-api';
import { PostgresServer } from '../tests/support/postgres-server';
import { RedisServer } from '../tests/support/redis-server';
import { BuildSpec, Buildah, ContainerEngine, Docker } from './images/container-engine';
import { gatewaySmokeTest } from './images/gateway-smoke-test';
import { smokeTest } from './images/image-smoke-test';
import { ensureLocalNodeBase } from './images/local-node-base';
import { sandboxSmokeTest } from './images/sandbox-smoke-test';

const GOOD = 'good';
const MAX_IMAGE_MB = 250;
/** The sandbox carries a compiler toolchain: git, Python 3 and build-essential are most of it. */
const MAX_SANDBOX_IMAGE_MB = 750;
const repoRoot = resolve(__dirname, '..');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'dry-run': { type: 'boolean', default: false },
      push: { type: 'boolean', default: false },
      registry: { type: 'string' },
      stack: { type: 'string' },
      'node-image': { type: 'string' },
      engine: { type: 'string' },
    },
  });
  const registry = values.registry ?? (values.stack ? loadEnvironment(repoRoot, values.stack).image.registry : 'localhost/agent-hive');
  const engine: ContainerEngine = values.engine === 'docker' || (values.engine === undefined && Docker.available()) ? new Docker() : new Buildah();
  // Without a registry to pull the pinned base from, buildah builds on a Node base made here (by digest).
  const nodeImage = values['node-image'] ?? (engine.name === 'buildah' ? ensureLocalNodeBase((l) => console.log(`  ${l}`)) : defaultNodeImage(repoRoot));
  const refusal = values.push ? pushRefusal(nodeImage) : undefined;
  if (refusal) throw new Error(refusal);
  // The base is hashed into the tags: images built on another base than the Dockerfile's never carry the canonical tags.
  const tags = computeImageTags(repoRoot, { nodeImage });
  const base = imageReference(registry, 'base', tags.base);
  const dockerfile = (name: string) => join(repoRoot, 'agent-runtime', `Dockerfile.agent-${name}`);
  const roles: Array<{ role: AgentRole; spec: BuildSpec }> = AGENT_ROLES.map((role) => ({
    role,
    spec: { reference: imageReference(registry, role, tags.roles[role]), dockerfile: dockerfile(role), context: repoRoot, args: { BASE: base, REVISION: gitRevision() } },
  }));

  const sandbox: BuildSpec = {
    reference: imageReference(registry, 'sandbox', tags.sandbox),
    dockerfile: join(repoRoot, 'agent-runtime', 'Dockerfile.sandbox'),
    context: repoRoot,
    args: { BASE: base, NODE_IMAGE: nodeImage, REVISION: gitRevision() },
  };

  console.log(`plan (registry ${registry}, engine ${engine.name}, Node base ${nodeImage}):`);
  console.log(`  build ${base}  (${dockerfile('base')})`);
  for (const { spec } of roles) console.log(`  build ${spec.reference}  FROM the base`);
  console.log(`  build ${sandbox.reference}  (${sandbox.dockerfile}, the runtime from the base)`);
  console.log(`  smoke-test each role image, the gateway in the base image and the sandbox image, then tag each :${GOOD}`);
  if (values.push) console.log(`  push each image and :${GOOD}, and record their digests in ${PUSHED_IMAGES_RECORD}`);
  if (values['dry-run']) return;

  const caBundle = buildHostCaBundle();
  const images: Array<{ image: BuiltImage; tag: string; spec: BuildSpec }> = [
    {
      image: 'base',
      tag: tags.base,
      spec: { reference: base, dockerfile: dockerfile('base'), context: repoRoot, args: { NODE_IMAGE: nodeImage }, secrets: caBundle ? { 'npm-ca': caBundle } : {} },
    },
    ...roles.map(({ role, spec }) => ({ image: role, tag: tags.roles[role], spec })),
    { image: 'sandbox', tag: tags.sandbox, spec: sandbox },
  ];
  for (const { spec } of images) {
    // The tag is a content hash: an image that exists is already what this tree builds.
    if (engine.exists(spec.reference)) {
      console.log(`unchanged ${spec.reference}`);
      continue;
    }
    const start = Date.now();
    engine.build(spec);
    console.log(`built ${spec.reference} in ${((Date.now() - start) / 1000).toFixed(1)} s`);
  }

  /** An image's size; one over the budget fails the run. */
  const sizeMb = (reference: string, budgetMb = MAX_IMAGE_MB) => {
    const mb = Math.round(engine.sizeBytes(reference) / 1e6);
    if (mb >= budgetMb) throw new Error(`${reference} is ${mb} MB, over the ${budgetMb} MB budget`);
    return mb;
  };
  const smoke = <T>(reference: string, test: Promise<T>): Promise<T> =>
    test.catch((error: Error) => {
      throw new Error(`smoke test of ${reference} failed: ${error.message}`);
    });
  // PostgreSQL first: it is the likeliest not to start (not installed), and nothing runs yet to clean up.
  const postgres = await PostgresServer.start();
  const redis = await RedisServer.start();
  const api = new FakeMessagesApi(() => text('smoke ok'));
  const apiUrl = await api.start();
  const report: Record<string, { image: string; sizeMb: number } & Record<string, number | string>> = {};
  try {
    for (const { role, spec } of roles) {
      const mb = sizeMb(spec.reference);
      const result = await smoke(spec.reference, smokeTest(engine, spec.reference, role, redis, api, apiUrl));
      report[role] = { image: spec.reference, sizeMb: mb, ...result };
      console.log(`smoke ok ${role}: spawn ${result.spawnSecondsInside.toFixed(2)} s inside (${result.spawnToReadyMs} ms with container creation), stopped in ${result.stopMs} ms, ${mb} MB`);
    }
    // After the agents: no agent runs now to take the task the gateway enqueues.
    const baseMb = sizeMb(base);
    const gateway = await smoke(base, gatewaySmokeTest(engine, base, redis, postgres));
    report.gateway = { image: base, sizeMb: baseMb, ...gateway };
    console.log(`smoke ok gateway (base image): ready ${gateway.startToReadyMs} ms after its start (${gateway.spawnToReadyMs} ms with container creation), stopped in ${gateway.stopMs} ms, ${baseMb} MB`);
    const sandboxMb = sizeMb(sandbox.reference, MAX_SANDBOX_IMAGE_MB);
    const sandboxResult = await smoke(sandbox.reference, sandboxSmokeTest(engine, sandbox.reference));
    report.sandbox = { image: sandbox.reference, sizeMb: sandboxMb, ...sandboxResult };
    console.log(`smoke ok sandbox: toolchain and protocol checked in ${sandboxResult.runMs} ms with container creation, ${sandboxMb} MB`);
  } finally {
    await api.stop();
    await postgres.destroy();
    await redis.destroy();
  }

  const pushed: Record<string, PushedImage> = {};
  for (const { image, tag, spec } of images) {
    const good = `${spec.reference.slice(0, spec.reference.lastIndexOf(':'))}:${GOOD}`;
    engine.tag(spec.reference, good);
    if (values.push) {
      pushed[image] = { tag, digest: engine.push(spec.reference) };
      engine.push(good);
    }
    console.log(`${values.push ? `pushed ${spec.reference} (${pushed[image].digest}) and` : 'tagged'} ${good}`);
  }
  if (values.push) {
    // Written last, once every image passed and is in the registry: pulumi up deploys exactly these digests.
    writePushedImages(join(repoRoot, PUSHED_IMAGES_RECORD), { smokeTests: 'passed', registry, nodeImage, revision: gitRevision(), images: pushed });
    console.log(`recorded ${PUSHED_IMAGES_RECORD}: pulumi up deploys these digests`);
  }
  mkdirSync(join(repoRoot, '.bench'), { recursive: true });
  writeFileSync(join(repoRoot, '.bench', 'images.json'), `${JSON.stringify({ engine: engine.name, nodeImage, images: report }, null, 2)}\n`);
}

/** The CA bundle npm on this host trusts, for the build stage only (see Dockerfile.agent-base). */
function buildHostCaBundle(): string | undefined {
  return [process.env.NODE_EXTRA_CA_CERTS, '/etc/ssl/certs/ca-certificates.crt'].find((file): file is string => file !== undefined && existsSync(file));
}

function gitRevision(): string {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

main().catch((error) => {
  console.error(`\nimages: ${(error as Error).message}\nThe previous :${GOOD} tags and ${PUSHED_IMAGES_RECORD} are unchanged.`);
  process.exit(1);
});
