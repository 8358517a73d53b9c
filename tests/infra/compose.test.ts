import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { AGENT_ROLES, ENV, GATEWAY_ENV, GATEWAY_PORT, HEALTH_PORT, METRICS_PATH, METRICS_PORT, REQUIRED_ENV } from '../../agent-runtime/src/contract';
import { GATEWAY_COMMAND } from '../../infra/constructs/gateway/gateway-deployment';
import { REPO_ROOT } from '../support/repo';

const compose = parse(readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true });
const prometheus = parse(readFileSync(join(REPO_ROOT, 'compose', 'prometheus.yml'), 'utf8'));
const roleImageEnv = (role: string) => [...readFileSync(join(REPO_ROOT, 'agent-runtime', `Dockerfile.agent-${role}`), 'utf8').matchAll(/^ENV (\w+)=/gm)].map((m) => m[1]);
const baseImageEnv = [...readFileSync(join(REPO_ROOT, 'agent-runtime', 'Dockerfile.agent-base'), 'utf8').matchAll(/(?:ENV |^\s+)(\w+)=/gm)].map((m) => m[1]);

describe('docker-compose.yml', () => {
  it('runs Redis, one agent per role, the gateway and Prometheus', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['gateway', 'prometheus', 'redis', ...AGENT_ROLES.map((r) => `agent-${r}`)].sort());
  });

  for (const role of AGENT_ROLES) {
    describe(`agent-${role}`, () => {
      const service = compose.services[`agent-${role}`];

      it('runs the smoke-tested image of its role', () => {
        expect(service.image).toBe(`localhost/agent-hive/agent-${role}:good`);
        expect(roleImageEnv(role)).toContain(ENV.role);
      });

      it('sets only variables the runtime reads, and every required one with the image', () => {
        const known = new Set<string>(Object.values(ENV));
        const set = [...Object.keys(service.environment), ...roleImageEnv(role), ...baseImageEnv.filter((v) => v.startsWith('HIVE_'))];
        expect(set.filter((name) => !known.has(name))).toEqual([]);
        expect(REQUIRED_ENV.filter((name) => !set.includes(name))).toEqual([]);
        expect(service.environment.REDIS_URL).toMatch(/^redis:\/\/redis:6379$/);
      });

      it('publishes the health and metrics ports of the contract', () => {
        const containerPorts = service.ports.map((p: string) => Number(p.split(':')[1]));
        expect(containerPorts.sort()).toEqual([HEALTH_PORT, METRICS_PORT].sort());
      });

      it('runs as the manifests do: non-root, read-only, writable workspace and /tmp only', () => {
        expect(service.user).toBe('10001:10001');
        expect(service.read_only).toBe(true);
        expect(service.tmpfs.map((t: string) => t.split(':')[0]).sort()).toEqual(['/app/workspace', '/tmp']);
      });

      it('is scraped by Prometheus on the metrics port and path', () => {
        const job = prometheus.scrape_configs[0];
        expect(job.metrics_path).toBe(METRICS_PATH);
        expect(job.static_configs.flatMap((c: { targets: string[] }) => c.targets)).toContain(`agent-${role}:${METRICS_PORT}`);
      });
    });
  }

  describe('gateway', () => {
    const service = compose.services.gateway;
    const scrapeTargets = () => prometheus.scrape_configs.flatMap((job: any) => job.static_configs.flatMap((c: { targets: string[] }) => c.targets));

    it("runs the base image with the gateway's entry point, as the Deployment does", () => {
      expect(service.image).toBe('localhost/agent-hive/agent-base:good');
      // The image's ENTRYPOINT starts an agent; `command` would only hand it arguments.
      expect(service.entrypoint).toEqual(GATEWAY_COMMAND);
      expect(service.command).toBeUndefined();
    });

    it('sets only variables the gateway reads, with no Anthropic key', () => {
      const known = new Set<string>([...Object.values(ENV), ...Object.values(GATEWAY_ENV)]);
      expect(Object.keys(service.environment).filter((name) => !known.has(name))).toEqual([]);
      expect(service.environment.REDIS_URL).toMatch(/^redis:\/\/redis:6379$/);
      expect(service.environment[ENV.anthropicApiKey]).toBeUndefined();
      expect(service.depends_on.redis.condition).toBe('service_healthy');
    });

    it('reads its tokens from a Compose secret at the path HIVE_GATEWAY_TOKENS_FILE names', () => {
      expect(service.secrets).toEqual(['gateway-tokens']);
      expect(service.environment[GATEWAY_ENV.tokensFile]).toBe('/run/secrets/gateway-tokens');
      expect(compose.secrets['gateway-tokens']).toEqual({ environment: 'HIVE_GATEWAY_TOKENS' });
    });

    it('keeps its task history in SQLite on a volume, there being no PostgreSQL in Compose', () => {
      expect(service.environment[GATEWAY_ENV.databaseUrl]).toBeUndefined();
      const sqlite: string = service.environment[GATEWAY_ENV.sqlitePath];
      const volume = service.volumes.map((v: string) => v.split(':')).find(([, path]: string[]) => sqlite.startsWith(`${path}/`));
      expect(volume, `a volume holds ${sqlite}`).toBeDefined();
      expect(Object.keys(compose.volumes)).toContain(volume[0]);
    });

    it('runs as the manifests do: non-root, read-only, writable /tmp and history volume only', () => {
      expect(service.user).toBe('10001:10001');
      expect(service.read_only).toBe(true);
      expect(service.tmpfs.map((t: string) => t.split(':')[0])).toEqual(['/tmp']);
    });

    it('publishes the A2A, health and metrics ports, and is scraped by Prometheus', () => {
      const containerPorts = service.ports.map((p: string) => Number(p.split(':')[1]));
      expect(containerPorts.sort()).toEqual([GATEWAY_PORT, HEALTH_PORT, METRICS_PORT].sort());
      expect(service.environment[GATEWAY_ENV.publicUrl]).toBe(`http://localhost:${service.ports.find((p: string) => p.endsWith(`:${GATEWAY_PORT}`)).split(':')[0]}`);
      expect(scrapeTargets()).toContain(`gateway:${METRICS_PORT}`);
    });
  });
});
