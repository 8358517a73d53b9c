import { Chart, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { ENV, GATEWAY_ENV, GATEWAY_PORT } from '../../agent-runtime/src/contract';
import { environmentApp, workloadImages } from '../../infra/chart/environment-app';
import { GatewayAutoscaler } from '../../infra/constructs/gateway/gateway-autoscaler';
import { Environment } from '../../infra/environment/environment-schema';
import { loadEnvironment } from '../../infra/environment/stack-files';
import { computeImageTags } from '../../infra/images/image-tags';
import { KubeObject } from '../support/manifests';
import { REPO_ROOT } from '../support/repo';

const tags = computeImageTags(REPO_ROOT);
const render = (env: Environment) => environmentApp(env, workloadImages(env, tags)).chart.toJson() as KubeObject[];
const find = (objects: KubeObject[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
const staging = loadEnvironment(REPO_ROOT, 'staging');
const prod = loadEnvironment(REPO_ROOT, 'prod');
const stagingObjects = render(staging);
const prodObjects = render(prod);
const container = (objects: KubeObject[]) => find(objects, 'Deployment', 'hive-gateway')!.spec.template.spec.containers[0];
const envOf = (objects: KubeObject[]) => Object.fromEntries(container(objects).env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
/** Namespaces a NetworkPolicy's ingress peers name. */
const peerNamespaces = (policy: KubeObject) =>
  policy.spec.ingress.flatMap((rule: any) => rule.from.map((peer: any) => peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] ?? JSON.stringify(peer)));

describe('the gateway', () => {
  it("runs the stack's base image with the gateway's entry point instead of the agent's", () => {
    expect(container(prodObjects).image).toBe(`registry.example.com/agent-hive/agent-base:${tags.base}`);
    expect(container(prodObjects).command).toEqual(['node', '/app/agent-runtime/dist/gateway.js']);
  });

  it('gets its limits and public URL from the environment, the shared runtime ConfigMap, and no Anthropic key', () => {
    const env = envOf(stagingObjects);
    expect(env).toMatchObject({
      [GATEWAY_ENV.port]: String(GATEWAY_PORT),
      [GATEWAY_ENV.publicUrl]: staging.gateway.publicUrl,
      [GATEWAY_ENV.retentionDays]: String(staging.gateway.retentionDays),
      [GATEWAY_ENV.rateLimit]: String(staging.gateway.rateLimit),
      [GATEWAY_ENV.maxInFlight]: String(staging.gateway.maxInFlight),
      [GATEWAY_ENV.maxBodyBytes]: String(staging.gateway.maxBodyBytes),
    });
    expect(env[ENV.anthropicApiKey]).toBeUndefined();
    expect(env[GATEWAY_ENV.sqlitePath]).toBeUndefined();
    expect(container(stagingObjects).envFrom).toEqual([{ configMapRef: { name: 'agent-hive-runtime' } }]);
  });

  it('reads the database URL and the Redis password from Secrets, and its tokens as a read-only file', () => {
    const env = envOf(stagingObjects);
    expect(env[GATEWAY_ENV.databaseUrl]).toEqual({ secretKeyRef: { name: 'agent-hive-gateway-database', key: 'url' } });
    expect(env[ENV.redisPassword]).toEqual({ secretKeyRef: { name: 'agent-hive-redis', key: 'password' } });
    const pod = find(stagingObjects, 'Deployment', 'hive-gateway')!.spec.template.spec;
    const tokens = pod.volumes.find((v: any) => v.secret);
    expect(tokens.secret).toMatchObject({ secretName: 'agent-hive-gateway-tokens', items: [{ key: 'tokens', path: 'tokens' }] });
    const mount = container(stagingObjects).volumeMounts.find((m: any) => m.name === tokens.name);
    expect(mount.readOnly).toBe(true);
    expect(env[GATEWAY_ENV.tokensFile]).toBe(`${mount.mountPath}/tokens`);
  });

  it("scales on CPU within the environment's range, never below 2, and allows one eviction at a time", () => {
    const hpa = find(prodObjects, 'HorizontalPodAutoscaler', 'hive-gateway')!;
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([prod.gateway.minReplicas, prod.gateway.maxReplicas]);
    expect(hpa.spec.metrics.map((m: any) => m.resource?.name)).toEqual(['cpu']);
    expect(find(prodObjects, 'PodDisruptionBudget', 'hive-gateway')!.spec.maxUnavailable).toBe(1);
    expect(() => new GatewayAutoscaler(new Chart(Testing.app(), 't'), 'hpa', { namespace: 'ns', deploymentName: 'g', minReplicas: 1, maxReplicas: 3 })).toThrow(
      "'minReplicas' (1) must be >= 2",
    );
  });

  it('serves A2A and metrics on its Service, and the Ingress sends the host to the A2A port over TLS', () => {
    expect(find(stagingObjects, 'Service', 'hive-gateway')!.spec.ports.map((p: any) => [p.name, p.port])).toEqual([
      ['a2a', GATEWAY_PORT],
      ['metrics', 9090],
    ]);
    const ingress = find(stagingObjects, 'Ingress', 'hive-gateway')!;
    expect(ingress.spec.ingressClassName).toBe(staging.gateway.ingress!.className);
    expect(ingress.spec.tls).toEqual([{ hosts: [staging.gateway.ingress!.host], secretName: staging.gateway.ingress!.tlsSecretName }]);
    expect(ingress.spec.rules[0].http.paths[0].backend).toEqual({ service: { name: 'hive-gateway', port: { name: 'a2a' } } });
    expect(ingress.metadata.annotations).toEqual(staging.gateway.ingress!.annotations);
  });
});

describe('the gateway network', () => {
  it('admits the A2A port from the client namespaces and the ingress controller, and no Ingress or controller without `ingress`', () => {
    const policy = find(stagingObjects, 'NetworkPolicy', 'gateway-from-clients')!;
    expect(policy.spec.ingress.map((r: any) => r.ports)).toEqual([[{ port: GATEWAY_PORT, protocol: 'TCP' }]]);
    expect(peerNamespaces(policy)).toEqual([...staging.gateway.ingressNamespaces, staging.gateway.ingress!.controllerNamespace]);

    const internal = render({ ...staging, gateway: { ...staging.gateway, ingress: undefined, ingressNamespaces: ['team-a', 'team-b'] } });
    expect(peerNamespaces(find(internal, 'NetworkPolicy', 'gateway-from-clients')!)).toEqual(['team-a', 'team-b']);
    expect(internal.filter((o) => o.kind === 'Ingress')).toEqual([]);
  });

  it('lets the agents reach Redis only, the gateway Redis and PostgreSQL, and in-cluster PostgreSQL admit the gateway only', () => {
    const egressPorts = (objects: KubeObject[], name: string) => find(objects, 'NetworkPolicy', name)!.spec.egress.map((r: any) => r.ports[0].port);
    expect(egressPorts(stagingObjects, 'agents-to-data-stores')).toEqual([6379]);
    expect(egressPorts(stagingObjects, 'gateway-to-data-stores')).toEqual([6379, 5432]);
    expect(egressPorts(prodObjects, 'agents-to-data-stores')).toEqual([6380]);
    expect(find(prodObjects, 'NetworkPolicy', 'gateway-to-data-stores')!.spec.egress).toContainEqual({
      to: [{ ipBlock: { cidr: '10.20.1.0/24' } }],
      ports: [{ port: 5432, protocol: 'TCP' }],
    });
    // The agents of every track: a component by label, or several by expression.
    const components = (name: string) =>
      find(stagingObjects, 'NetworkPolicy', name)!.spec.ingress.flatMap((r: any) =>
        r.from.flatMap((p: any) => p.podSelector.matchLabels['app.kubernetes.io/component'] ?? p.podSelector.matchExpressions[0].values),
      );
    expect(components('postgres-from-gateway')).toEqual(['gateway']);
    expect(components('redis-from-agents-and-gateway')).toEqual(['agent', 'agent-track', 'gateway']);
  });

  it('lets the monitoring namespace scrape the gateway as it does the agents of every track', () => {
    const policy = find(stagingObjects, 'NetworkPolicy', 'metrics-from-monitoring')!;
    expect(policy.spec.podSelector.matchExpressions).toEqual([{ key: 'app.kubernetes.io/component', operator: 'In', values: ['agent', 'agent-track', 'gateway'] }]);
  });
});
