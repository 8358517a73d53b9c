import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { environmentApp, workloadImages } from '../../infra/chart/environment-app';
import { namespaceQuota } from '../../infra/chart/workload-capacity';
import { AgentAutoscaler } from '../../infra/constructs/agents/agent-autoscaler';
import { AgentDeployment } from '../../infra/constructs/agents/agent-deployment';
import { loadEnvironment } from '../../infra/environment/stack-files';
import { computeImageTags } from '../../infra/images/image-tags';
import { Chart, Testing } from 'cdk8s';
import { REPO_ROOT } from '../support/repo';
import { KubeObject } from '../support/manifests';

const tags = computeImageTags(REPO_ROOT);
const render = (stack: string) => {
  const env = loadEnvironment(REPO_ROOT, stack);
  const { chart } = environmentApp(env, workloadImages(env, tags));
  return { env, chart, objects: chart.toJson() as KubeObject[] };
};
const find = (objects: KubeObject[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);

describe('HiveChart', () => {
  const staging = render('staging');
  const prod = render('prod');

  it('keeps the data stores’ volumes when their StatefulSet is deleted or scaled', () => {
    const stores = staging.objects.filter((o) => o.kind === 'StatefulSet');
    expect(stores.map((o) => o.metadata.name).sort()).toEqual(['postgres', 'redis']);
    for (const store of stores) expect(store.spec.persistentVolumeClaimRetentionPolicy, store.metadata.name).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
  });

  it('caps the in-cluster Redis below its container limit, refusing writes rather than evicting or being OOM-killed', () => {
    const args: string[] = find(staging.objects, 'StatefulSet', 'redis')!.spec.template.spec.containers[0].args;
    const limitMb = Number(/^(\d+)Mi$/.exec(staging.env.redis.mode === 'in-cluster' ? staging.env.redis.resources.memoryLimit : '')![1]);
    const maxmemoryMb = Number(/^(\d+)mb$/.exec(args[args.indexOf('--maxmemory') + 1])![1]);
    expect(maxmemoryMb).toBeGreaterThan(limitMb / 2);
    expect(maxmemoryMb).toBeLessThanOrEqual(limitMb * 0.8);
    expect(args[args.indexOf('--maxmemory-policy') + 1]).toBe('noeviction');
  });

  it('rolls every agent and the gateway when the runtime ConfigMap changes: the pod templates carry its checksum', () => {
    const checksums = (objects: KubeObject[]) => objects.filter((o) => o.kind === 'Deployment').map((d) => d.spec.template.metadata.annotations['agent-hive/config-checksum']);
    const data = find(staging.objects, 'ConfigMap', 'agent-hive-runtime')!.data as Record<string, string>;
    const expected = createHash('sha256').update(JSON.stringify(Object.entries(data).sort())).digest('hex');
    expect(checksums(staging.objects)).toEqual(Array(6).fill(expected));

    const env = loadEnvironment(REPO_ROOT, 'staging');
    const changed = environmentApp({ ...env, runtime: { ...env.runtime, claimIdleMs: env.runtime.claimIdleMs + 1 } }, workloadImages(env, tags)).chart.toJson() as KubeObject[];
    expect(new Set([...checksums(changed), expected]).size).toBe(2);
  });

  it('gives prod the product card ranges and staging its smaller ones', () => {
    expect(prod.chart.roles.developer.autoscaler).toMatchObject({ minReplicas: 2, maxReplicas: 25 });
    expect(prod.chart.roles.architect.autoscaler).toMatchObject({ minReplicas: 1, maxReplicas: 10 });
    expect(prod.chart.roles.qa.autoscaler).toMatchObject({ minReplicas: 1, maxReplicas: 15 });
    expect(staging.chart.roles.developer.autoscaler).toMatchObject({ minReplicas: 2, maxReplicas: 8 });
    expect(prod.chart.roles.meta.autoscaler).toBeUndefined();
  });

  it('runs Redis and PostgreSQL in staging and points prod at its managed endpoints instead', () => {
    expect(find(staging.objects, 'StatefulSet', 'redis')).toBeDefined();
    expect(find(staging.objects, 'StatefulSet', 'postgres')).toBeDefined();
    expect(prod.objects.filter((o) => o.kind === 'StatefulSet')).toEqual([]);
    expect(find(prod.objects, 'ConfigMap', 'agent-hive-runtime')!.data.REDIS_URL).toBe('rediss://redis.prod.internal.example.com:6380');
    expect(find(staging.objects, 'ConfigMap', 'agent-hive-runtime')!.data.REDIS_URL).toBe('redis://redis:6379');
    const egress = find(prod.objects, 'NetworkPolicy', 'agents-to-data-stores')!.spec.egress;
    expect(egress).toContainEqual({ to: [{ ipBlock: { cidr: '10.20.0.0/24' } }], ports: [{ port: 6380, protocol: 'TCP' }] });
  });

  it('allows HTTPS by CIDR in staging and only the API host through Cilium in prod', () => {
    const cidr = find(staging.objects, 'NetworkPolicy', 'agents-to-llm-api')!;
    expect(cidr.spec.egress[0].to[0].ipBlock.except).toContain('169.254.0.0/16');
    expect(find(staging.objects, 'CiliumNetworkPolicy', 'agents-to-llm-api')).toBeUndefined();
    expect(find(prod.objects, 'NetworkPolicy', 'agents-to-llm-api')).toBeUndefined();
    expect(find(prod.objects, 'CiliumNetworkPolicy', 'agents-to-llm-api')!.spec.egress[1].toFQDNs).toEqual([{ matchName: 'api.anthropic.com' }]);
  });

  it('covers the runtime drain with the termination grace period', () => {
    expect(prod.chart.roles.developer.deployment.terminationGracePeriodSeconds).toBeGreaterThan(prod.env.runtime.shutdownGraceMs / 1000);
    const pod = find(prod.objects, 'Deployment', 'agent-developer')!.spec.template.spec;
    expect(pod.terminationGracePeriodSeconds).toBe(prod.chart.roles.developer.deployment.terminationGracePeriodSeconds);
  });

  it('sizes the quota so every role and the gateway fit at their max replicas', () => {
    const quota = namespaceQuota(prod.env);
    // 10+25+15 agents at max, a surge pod per scalable role, meta; 8 gateways and a surge one: 63 pods before headroom.
    expect(quota.pods).toBeGreaterThanOrEqual(63);
    expect(find(prod.objects, 'ResourceQuota', 'agent-hive')!.spec.hard.pods).toBe(quota.pods);
  });

  it("labels every ServiceMonitor and the PrometheusRule with the environment's selector labels, whatever they are", () => {
    const monitoring = (objects: KubeObject[]) => objects.filter((o) => o.kind === 'ServiceMonitor' || o.kind === 'PrometheusRule');
    expect(monitoring(staging.objects)).toHaveLength(7);
    for (const o of monitoring(staging.objects)) expect(o.metadata.labels, o.metadata.name).toMatchObject({ release: 'kube-prometheus-stack' });

    const selectorLabels = { prometheus: 'agents', 'example.com/team': 'platform' };
    const env = { ...staging.env, monitoring: { ...staging.env.monitoring, selectorLabels } };
    const changed = monitoring(environmentApp(env, workloadImages(env, tags)).chart.toJson() as KubeObject[]);
    expect(changed).toHaveLength(7);
    for (const o of changed) {
      expect(o.metadata.labels, o.metadata.name).toMatchObject({ ...selectorLabels, 'app.kubernetes.io/part-of': 'agent-hive' });
      expect(o.metadata.labels!.release, o.metadata.name).toBeUndefined();
    }
  });

  it('puts only the dashboard and adapter ConfigMaps outside the namespace, and not even those when the environment turns them off', () => {
    const outside = (objects: KubeObject[], env: typeof staging.env) =>
      objects.filter((o) => o.kind !== 'Namespace' && o.metadata.namespace !== env.namespace).map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`);
    for (const { env, objects } of [staging, prod]) {
      expect(outside(objects, env).sort()).toEqual([
        `ConfigMap/monitoring/agent-hive-adapter-rules-${env.namespace}`,
        `ConfigMap/monitoring/agent-hive-dashboard-${env.namespace}`,
      ]);
    }
    const env = { ...staging.env, monitoring: { ...staging.env.monitoring, configMapsInMonitoringNamespace: false } };
    const off = environmentApp(env, workloadImages(env, tags)).chart.toJson() as KubeObject[];
    expect(outside(off, env)).toEqual([]);
    expect(off).toHaveLength(staging.objects.length - 2);
  });

  it('names each Deployment image by the registry and the content-hash tag of its role', () => {
    const image = find(prod.objects, 'Deployment', 'agent-qa')!.spec.template.spec.containers[0].image;
    expect(image).toBe(`registry.example.com/agent-hive/agent-qa:${tags.roles.qa}`);
  });
});

describe('constructs reject wrong props with the field and value', () => {
  const chart = () => new Chart(Testing.app(), 'test');
  const autoscaler = { namespace: 'ns', role: 'qa' as const, track: 'stable', deploymentName: 'agent-qa', backlogPerAgent: 2, busyRatioTarget: 0.7, scaleDownStabilizationSeconds: 300 };

  it('AgentAutoscaler: min above max', () => {
    expect(() => new AgentAutoscaler(chart(), 'hpa', { ...autoscaler, minReplicas: 11, maxReplicas: 10 })).toThrow("'minReplicas' (11) must be <= 'maxReplicas' (10)");
  });

  it('AgentAutoscaler: a busy ratio outside (0, 1]', () => {
    expect(() => new AgentAutoscaler(chart(), 'hpa', { ...autoscaler, minReplicas: 1, maxReplicas: 2, busyRatioTarget: 0 })).toThrow("'busyRatioTarget' (0) must be in (0, 1]");
  });

  it('AgentDeployment: a concurrency below 1', () => {
    expect(
      () =>
        new AgentDeployment(chart(), 'd', {
          namespace: 'ns',
          role: 'qa',
          image: 'r/agent-qa:ctx-1',
          resources: { cpuRequest: '100m', memoryRequest: '128Mi', memoryLimit: '256Mi' },
          concurrency: 0,
          configMapName: 'c',
          configChecksum: '0',
          shutdownGraceMs: 1000,
          scaling: 'autoscaled',
        }),
    ).toThrow("'concurrency' (0) must be an integer >= 1");
  });
});
