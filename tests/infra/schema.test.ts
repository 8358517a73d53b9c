import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { IServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { describe as name, KubeObject, loadChartsOut } from '../support/manifests';
import { kubernetesModel, unknownFields } from '../support/unknown-fields';

const requireModel = createRequire(__filename);

type Validatable = { new (data: unknown): { validate(): void } };

/** The prometheus-operator models are ESM only, so they come in through import(). */
let operatorModels: Record<string, Validatable>;
beforeAll(async () => {
  operatorModels = (await import('@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1')) as unknown as Record<string, Validatable>;
});

/** kubernetes-models' class for an object: Kubernetes schemas, or prometheus-operator's for monitoring.coreos.com. */
function modelFor(object: KubeObject): Validatable | undefined {
  if (object.apiVersion === 'monitoring.coreos.com/v1') return operatorModels[object.kind];
  const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : [undefined, object.apiVersion];
  return requireModel(`kubernetes-models/${group ? `${group}/` : ''}${version}/${object.kind}`)[object.kind];
}

/**
 * No Cilium models run on Node 20 (@kubernetes-models/cilium needs Node 22), so
 * the subset of CiliumNetworkPolicy we emit is described here, strictly.
 */
const selector = z
  .object({
    matchLabels: z.record(z.string()),
    matchExpressions: z.array(z.object({ key: z.string(), operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']), values: z.array(z.string()).optional() }).strict()).optional(),
  })
  .strict();
const ports = z.array(z.object({ port: z.string().regex(/^\d+$/), protocol: z.enum(['TCP', 'UDP', 'ANY']) }).strict());
const ciliumNetworkPolicy = z
  .object({
    apiVersion: z.literal('cilium.io/v2'),
    kind: z.literal('CiliumNetworkPolicy'),
    metadata: z.object({ name: z.string(), namespace: z.string(), labels: z.record(z.string()) }).strict(),
    spec: z
      .object({
        endpointSelector: selector,
        egress: z.array(
          z
            .object({
              toEndpoints: z.array(selector).optional(),
              toFQDNs: z.array(z.object({ matchName: z.string() }).strict()).optional(),
              toPorts: z.array(z.object({ ports, rules: z.object({ dns: z.array(z.object({ matchPattern: z.string() }).strict()) }).strict().optional() }).strict()),
            })
            .strict(),
        ),
      })
      .strict(),
  })
  .strict();

function validate(object: KubeObject): void {
  if (object.kind === 'CiliumNetworkPolicy') {
    ciliumNetworkPolicy.parse(object);
    return;
  }
  const Model = modelFor(object);
  if (!Model) throw new Error(`no schema for ${object.apiVersion} ${object.kind}`);
  new Model(object).validate();
  // Neither kubernetes-models nor the CRD models reject unknown fields; for CRDs the
  // prometheus-operator types do it at compile time (see the last test).
  const kubernetesType = kubernetesModel(object.apiVersion, object.kind);
  if (object.apiVersion !== 'monitoring.coreos.com/v1' && !kubernetesType) throw new Error(`no 1.28 model for ${object.kind}`);
  const unknown = kubernetesType ? unknownFields(object, kubernetesType) : [];
  if (unknown.length) throw new Error(`unknown fields: ${unknown.join(', ')}`);
}

describe('schemas', () => {
  for (const { env, objects } of loadChartsOut()) {
    it(`every object in charts-out/${env} validates against its Kubernetes or CRD schema`, () => {
      const failures = objects.flatMap((object) => {
        try {
          validate(object);
          return [];
        } catch (error) {
          return [`${name(object)}: ${(error as Error).message}`];
        }
      });
      expect(failures).toEqual([]);
    });
  }

  it('rejects an unknown field, a wrong type and an unknown CRD field', () => {
    const staging = loadChartsOut().find((e) => e.env === 'staging')!.objects;
    const deployment = structuredClone(staging.find((o) => o.kind === 'Deployment')!);
    deployment.spec.template.spec.containers[0].imagePullPolicyy = 'Always';
    expect(() => validate(deployment)).toThrow(/containers\[0\]\.imagePullPolicyy/);

    const hpa = structuredClone(staging.find((o) => o.kind === 'HorizontalPodAutoscaler')!);
    hpa.spec.maxReplicas = 'ten';
    expect(() => validate(hpa)).toThrow(/maxReplicas|integer/);

    const monitor = structuredClone(staging.find((o) => o.kind === 'ServiceMonitor')!);
    monitor.spec.endpoints[0].port = 9090;
    expect(() => validate(monitor)).toThrow(/port must be string/);

    const cilium = structuredClone(loadChartsOut().find((e) => e.env === 'prod')!.objects.find((o) => o.kind === 'CiliumNetworkPolicy')!);
    cilium.spec.egress[1].toFQDN = cilium.spec.egress[1].toFQDNs;
    expect(() => validate(cilium)).toThrow(/toFQDN/);
  });

  it("checks the gateway's objects too: an unknown Ingress field, a wrong type in its Deployment and an unknown ServiceMonitor field fail", () => {
    const staging = loadChartsOut().find((e) => e.env === 'staging')!.objects;
    const gateway = (kind: string) => structuredClone(staging.find((o) => o.kind === kind && o.metadata.name === 'hive-gateway')!);
    for (const kind of ['Deployment', 'Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'ServiceMonitor', 'Ingress']) {
      expect(() => validate(gateway(kind)), kind).not.toThrow();
    }

    const ingress = gateway('Ingress');
    ingress.spec.tls[0].secret = ingress.spec.tls[0].secretName;
    expect(() => validate(ingress)).toThrow(/tls\[0\]\.secret/);

    const deployment = gateway('Deployment');
    deployment.spec.template.spec.volumes.find((v: any) => v.secret).secret.defaultMode = '0440';
    expect(() => validate(deployment)).toThrow(/defaultMode|integer/);

    const monitor = gateway('ServiceMonitor');
    monitor.spec.endpoints[0].metricRelabelings[0].sourceLabels = 'role';
    expect(() => validate(monitor)).toThrow(/sourceLabels/);
  });

  it('the CRD specs the constructs build are typed, so tsc rejects an unknown field (npm test runs tsc)', () => {
    const spec: IServiceMonitor['spec'] = {
      selector: {},
      // @ts-expect-error scrapeEvery is not a ServiceMonitor endpoint field; tsc fails if this compiles.
      endpoints: [{ port: 'metrics', scrapeEvery: '15s' }],
    };
    expect(spec.endpoints).toHaveLength(1);
  });
});
