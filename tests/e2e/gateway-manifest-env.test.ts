/**
 * The gateway's Deployment and the gateway agree: the environment the kubelet
 * would give its container (ConfigMap, env, Secrets, downward API) is one the
 * gateway's own config loader accepts, with the environment's values, and every
 * variable set on the container is one the gateway reads.
 */
import { describe, expect, it } from 'vitest';
import { ENV, GATEWAY_ENV, GATEWAY_PORT } from '../../agent-runtime/src/contract';
import { loadGatewayConfig } from '../../agent-runtime/src/gateway/gateway-config';
import { loadEnvironment } from '../../infra/environment/stack-files';
import { byKind, loadChartsOut } from '../support/manifests';
import { REPO_ROOT } from '../support/repo';
import { containerPort, deploymentEnv } from './deployment-env';

const SECRET_VALUES: Record<string, string> = {
  'agent-hive-redis/password': 'redis-e2e-password',
  'agent-hive-gateway-database/url': 'postgres://hive_gateway:pg-e2e-password@postgres:5432/agent_hive',
};

for (const { env, objects } of loadChartsOut()) {
  describe(`the gateway of charts-out/${env}`, () => {
    const environment = loadEnvironment(REPO_ROOT, env);
    const deployment = byKind(objects, 'Deployment').find((d) => d.metadata.name === 'hive-gateway')!;
    const container = deployment.spec.template.spec.containers[0];
    const resolved = deploymentEnv(objects, deployment, {
      secret: (name, key) => SECRET_VALUES[`${name}/${key}`] ?? expect.fail(`the gateway reads Secret ${name}/${key}, which it has no business with`),
      podName: 'hive-gateway-7d9f-x2',
    });

    it("gets a configuration the gateway accepts, with the environment's values", () => {
      const config = loadGatewayConfig(resolved);
      expect(config).toMatchObject({
        port: GATEWAY_PORT,
        publicUrl: environment.gateway.publicUrl.replace(/\/$/, ''),
        retentionDays: environment.gateway.retentionDays,
        rateLimit: environment.gateway.rateLimit,
        maxInFlight: environment.gateway.maxInFlight,
        maxBodyBytes: environment.gateway.maxBodyBytes,
        databaseUrl: SECRET_VALUES['agent-hive-gateway-database/url'],
        redisPassword: SECRET_VALUES['agent-hive-redis/password'],
        maxTurns: environment.llm.maxTurns,
        maxTokens: environment.llm.maxTokensPerTask,
        consumer: 'hive-gateway-7d9f-x2',
      });
      // The tokens file is the Secret's one key, where its volume is mounted.
      const mount = container.volumeMounts.find((m: { name: string }) => deployment.spec.template.spec.volumes.find((v: any) => v.name === m.name && v.secret));
      expect(config.tokensFile).toBe(`${mount.mountPath}/tokens`);
    });

    it('sets on the container only variables the gateway reads', () => {
      const valid = loadGatewayConfig(resolved);
      for (const { name } of container.env as Array<{ name: string }>) {
        const changed = (() => {
          try {
            return JSON.stringify(loadGatewayConfig({ ...resolved, [name]: '77' })) !== JSON.stringify(valid);
          } catch {
            return true;
          }
        })();
        expect(changed, `the gateway ignores ${name}`).toBe(true);
      }
      expect(Object.keys(resolved)).not.toContain(ENV.anthropicApiKey);
      expect(Object.keys(resolved)).not.toContain(GATEWAY_ENV.sqlitePath);
    });

    it('serves A2A, health and metrics on the ports its manifests name', () => {
      const config = loadGatewayConfig(resolved);
      expect(containerPort(deployment, 'a2a')).toBe(config.port);
      for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) expect(containerPort(deployment, container[probe].httpGet.port), probe).toBe(config.healthPort);
      expect(containerPort(deployment, 'metrics')).toBe(config.metricsPort);
      const service = byKind(objects, 'Service').find((s) => s.metadata.name === 'hive-gateway')!;
      for (const port of service.spec.ports) expect(containerPort(deployment, port.targetPort), port.name).toBe(port.port);
    });
  });
}
