import { describe, expect, it } from 'vitest';
import { AGENT_ROLES, SCALABLE_ROLES, STABLE_TRACK } from '../../agent-runtime/src/contract';
import { ENVIRONMENT_CONFIG_KEY } from '../../infra/environment/parse-environment';
import { allTracks } from '../../infra/environment/role-tracks';
import { loadEnvironment } from '../../infra/environment/stack-files';
import { describe as name, KubeObject, loadChartsOut } from '../support/manifests';
import { REPO_ROOT } from '../support/repo';
import { SECRETS_CHECKSUM_ANNOTATION } from '../../infra/pulumi/secrets-checksum';
import { GATEWAY_TOKENS, Registered, runProgram, SECRET_SIG, stackConfig, stackSecrets, testedImagesRecord } from './pulumi-harness';

const kubernetesObjects = (resources: Registered[]) =>
  resources.filter((r) => r.type.startsWith('kubernetes:') && !r.type.startsWith('kubernetes:yaml') && r.type !== 'pulumi:providers:kubernetes');

for (const stack of ['staging', 'prod']) {
  describe(`the Pulumi program for ${stack}`, async () => {
    const environment = loadEnvironment(REPO_ROOT, stack);
    const SECRETS = stackSecrets(stack);
    const { resources, outputs, registryReads } = await runProgram(stack, stackConfig(stack, SECRETS));
    const record = testedImagesRecord(stack);
    const k8sObjects = kubernetesObjects(resources);

    it('builds no image: it only reads the registry for the images the record says passed their smoke tests', () => {
      expect(resources.filter((r) => r.type.startsWith('docker:') || r.type === 'pulumi:providers:docker')).toEqual([]);
      expect(registryReads.map((read) => read.name).sort()).toEqual(
        Object.entries(record.images)
          .map(([image, { tag }]) => `${environment.image.registry}/agent-${image}:${tag}`)
          .sort(),
      );
    });

    it("runs every agent Deployment, each track's too, on its role image, the gateway on the base image and each sandbox on the sandbox image, each by the tested digest", () => {
      const deployments = k8sObjects.filter((r) => r.type === 'kubernetes:apps/v1:Deployment');
      const tracks = allTracks(environment).filter((t) => t.track !== STABLE_TRACK);
      expect(deployments.map((d) => d.inputs.metadata.name).sort()).toEqual(
        ['agent-architect', 'agent-developer', 'agent-meta', 'agent-qa', 'hive-gateway', ...tracks.map((t) => `agent-${t.role}-${t.track}`)].sort(),
      );
      const tested = (image: string) => `${environment.image.registry}/agent-${image}@${record.images[image].digest}`;
      for (const d of deployments) {
        const image = d.inputs.metadata.name === 'hive-gateway' ? 'base' : d.inputs.metadata.labels['agent-hive/role'];
        const [main, ...sidecars] = d.inputs.spec.template.spec.containers;
        expect(main.image, d.name).toBe(tested(image));
        for (const sidecar of sidecars) expect(sidecar.image, `${d.name} ${sidecar.name}`).toBe(tested('sandbox'));
      }
      const sandboxes = deployments.filter((d) => d.inputs.spec.template.spec.containers.some((c: any) => c.name === 'sandbox'));
      const sandboxed = allTracks(environment).filter((t) => environment.sandbox!.roles.includes(t.role as never));
      expect(sandboxes.map((d) => d.inputs.metadata.name).sort()).toEqual(sandboxed.map((t) => (t.track === STABLE_TRACK ? `agent-${t.role}` : `agent-${t.role}-${t.track}`)).sort());
      expect(outputs.imageReferences).toEqual({ ...Object.fromEntries(AGENT_ROLES.map((role) => [role, tested(role)])), gateway: tested('base'), sandbox: tested('sandbox') });
    });

    it("deploys into the stack's namespace with its HPA ranges, and exports no secret", () => {
      expect(outputs.namespace).toBe(environment.namespace);
      expect(k8sObjects.find((r) => r.type === 'kubernetes:core/v1:Namespace')!.inputs.metadata.name).toBe(environment.namespace);
      for (const role of SCALABLE_ROLES) {
        const hpa = k8sObjects.find((r) => r.type === 'kubernetes:autoscaling/v2:HorizontalPodAutoscaler' && r.inputs.metadata.name === `agent-${role}`)!;
        expect([hpa.inputs.spec.minReplicas, hpa.inputs.spec.maxReplicas]).toEqual([environment.roles[role].minReplicas, environment.roles[role].maxReplicas]);
      }
      expect(outputs.deploymentNames).toEqual({ architect: 'agent-architect', developer: 'agent-developer', qa: 'agent-qa', meta: 'agent-meta', gateway: 'hive-gateway' });
      const exported = JSON.stringify(outputs);
      for (const secret of Object.values(SECRETS)) expect(exported).not.toContain(secret);
    });

    it('creates the Secrets from secret config, with their values marked secret', () => {
      const secrets = k8sObjects.filter((r) => r.type === 'kubernetes:core/v1:Secret');
      const expected = [
        'agent-hive-anthropic',
        'agent-hive-gateway-database',
        'agent-hive-gateway-tokens',
        ...(environment.postgres.mode === 'in-cluster' ? ['agent-hive-postgres'] : []),
        'agent-hive-redis',
      ];
      expect(secrets.map((s) => s.inputs.metadata.name).sort()).toEqual(expected);
      for (const secret of secrets) {
        expect(secret.inputs.metadata.namespace).toBe(environment.namespace);
        expect(secret.inputs.stringData[SECRET_SIG.key], secret.name).toBe(SECRET_SIG.value);
      }
      const value = (name: string) => secrets.find((s) => s.inputs.metadata.name === name)!.inputs.stringData.value;
      expect(value('agent-hive-anthropic')).toEqual({ 'api-key': SECRETS.anthropicApiKey });
      expect(value('agent-hive-gateway-tokens')).toEqual({ tokens: GATEWAY_TOKENS });
      expect(value('agent-hive-gateway-database')).toEqual({ url: SECRETS.databaseUrl });
    });

    it('annotates every workload that reads a Secret with a checksum of exactly those Secrets, revealing none', () => {
      const workloads = k8sObjects.filter((r) => ['kubernetes:apps/v1:Deployment', 'kubernetes:apps/v1:StatefulSet'].includes(r.type));
      for (const workload of workloads) {
        const checksum = workload.inputs.spec.template.metadata.annotations[SECRETS_CHECKSUM_ANNOTATION];
        expect(checksum, workload.name).toMatch(/^[0-9a-f]{64}$/);
        for (const value of Object.values(SECRETS)) expect(JSON.stringify(workload.inputs)).not.toContain(value);
      }
    });

    it('protects the Namespace and the data stores from deletion and leaves them in the cluster on delete, and nothing else', () => {
      const stateful = ['kubernetes:core/v1:Namespace', 'kubernetes:apps/v1:StatefulSet'];
      const guarded = k8sObjects.filter((r) => r.protect && r.retainOnDelete).map((r) => `${r.type} ${r.name}`);
      const expected = k8sObjects.filter((r) => stateful.includes(r.type)).map((r) => `${r.type} ${r.name}`);
      expect(guarded.sort()).toEqual(expected.sort());
      expect(expected).toContain(`kubernetes:core/v1:Namespace ${environment.namespace}`);
      if (environment.redis.mode === 'in-cluster') expect(expected.some((g) => g.endsWith('/redis'))).toBe(true);
      expect(k8sObjects.filter((r) => r.protect && !stateful.includes(r.type))).toEqual([]);
    });

    it(`deploys the same set of Kubernetes objects as charts-out/${stack}`, () => {
      // The images and the secrets' checksum are what the program adds to the chart.
      const strip = (o: any) => {
        const copy = structuredClone(o);
        for (const c of copy.spec?.template?.spec?.containers ?? []) delete c.image;
        const metadata = copy.spec?.template?.metadata;
        if (metadata?.annotations) delete metadata.annotations[SECRETS_CHECKSUM_ANNOTATION];
        if (metadata?.annotations && Object.keys(metadata.annotations).length === 0) delete metadata.annotations;
        return copy;
      };
      const deployed = k8sObjects.filter((r) => r.type !== 'kubernetes:core/v1:Secret').map((r) => strip(r.inputs) as KubeObject);
      const committed = loadChartsOut().find((e) => e.env === stack)!.objects.map(strip);
      expect(deployed.map(name).sort()).toEqual(committed.map(name).sort());
      for (const object of committed) expect(deployed.find((d) => name(d) === name(object)), name(object)).toEqual(object);
    });
  });
}

describe('the Pulumi program with a track on another image', () => {
  it("deploys the track's image by its digest, the role's other tracks the role's tested image, and asks the registry for no more than the record's images", async () => {
    const image = `registry.staging.example.com/agent-hive/agent-developer@sha256:${'5'.repeat(64)}`;
    const config = stackConfig('staging', stackSecrets('staging'));
    const environment = JSON.parse(config[ENVIRONMENT_CONFIG_KEY]);
    environment.roles.developer.tracks = { ...environment.roles.developer.tracks, blue: { image, replicas: 0 } };
    const { resources, registryReads } = await runProgram('staging', { ...config, [ENVIRONMENT_CONFIG_KEY]: JSON.stringify(environment) });
    const imageOf = (name: string) => resources.find((r) => r.type === 'kubernetes:apps/v1:Deployment' && r.inputs.metadata.name === name)!.inputs.spec.template.spec.containers[0].image;
    const record = testedImagesRecord('staging');
    const roleImage = `registry.staging.example.com/agent-hive/agent-developer@${record.images.developer.digest}`;
    expect(imageOf('agent-developer-blue')).toBe(image);
    expect(imageOf('agent-developer-green')).toBe(roleImage);
    expect(imageOf('agent-developer')).toBe(roleImage);
    expect(registryReads).toHaveLength(Object.keys(record.images).length);
  });
});

describe('the Pulumi program with allowNamespaceChange', () => {
  it('lets a namespace rename replace the Namespace, still retaining the old one and keeping the data stores protected', async () => {
    const config = { ...stackConfig('staging', stackSecrets('staging')), 'agent-hive:allowNamespaceChange': 'true' };
    const { resources } = await runProgram('staging', config);
    const namespace = resources.find((r) => r.type === 'kubernetes:core/v1:Namespace')!;
    expect(namespace).toMatchObject({ protect: false, retainOnDelete: true });
    const stores = resources.filter((r) => r.type === 'kubernetes:apps/v1:StatefulSet');
    expect(stores.length).toBeGreaterThan(0);
    for (const store of stores) expect(store, store.name).toMatchObject({ protect: true, retainOnDelete: true });
  });
});

describe('a rotated secret', () => {
  const SECRETS = stackSecrets('staging');
  const checksums = async (secrets: Record<string, string>) =>
    Object.fromEntries(
      kubernetesObjects((await runProgram('staging', stackConfig('staging', secrets))).resources)
        .filter((r) => r.inputs?.spec?.template)
        .map((r) => [r.name, r.inputs.spec.template.metadata.annotations?.[SECRETS_CHECKSUM_ANNOTATION]]),
    );
  const changedBy = async (rotated: Record<string, string>) => {
    const before = await checksums(SECRETS);
    const after = await checksums({ ...SECRETS, ...rotated });
    return Object.keys(before).filter((name) => before[name] !== after[name]).sort();
  };

  it('rolls exactly the workloads that read it', async () => {
    // The agents, the gateway and Redis read the Redis password; PostgreSQL does not.
    expect(await changedBy({ redisPassword: 'rotated-redis-pass' })).toEqual(
      ['agent-architect', 'agent-developer', 'agent-developer-green', 'agent-meta', 'agent-qa', 'hive-gateway', 'redis'].map((n) => `agent-hive-staging/${n}`),
    );
  });

  it('rolls the gateway alone when a client token is added, though it reads the tokens as a mounted file', async () => {
    expect(await changedBy({ gatewayTokens: `${GATEWAY_TOKENS}new-client ${'c'.repeat(64)}\n` })).toEqual(['agent-hive-staging/hive-gateway']);
  });
});
