import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { environmentApp, workloadImages } from '../../infra/chart/environment-app';
import { AGENT_UID } from '../../infra/constructs/workload/runtime-pod';
import { SANDBOX_COMMAND, SANDBOX_PING_COMMAND, SANDBOX_SOCKET, SANDBOX_UID, SANDBOX_WAIT_FOR_AGENT_COMMAND } from '../../infra/constructs/agents/sandbox-sidecar';
import { Environment } from '../../infra/environment/environment-schema';
import { loadEnvironment } from '../../infra/environment/stack-files';
import { computeImageTags, imageReference } from '../../infra/images/image-tags';
import { freePort } from '../support/free-port';
import { KubeObject } from '../support/manifests';
import { REPO_ROOT } from '../support/repo';

const tags = computeImageTags(REPO_ROOT);
const DOCKERFILE = readFileSync(join(REPO_ROOT, 'agent-runtime', 'Dockerfile.sandbox'), 'utf8');

/** The objects of `stack` with its sandbox config changed by `change`. */
function render(stack: string, change: (env: Environment) => Environment = (env) => env): KubeObject[] {
  const env = change(loadEnvironment(REPO_ROOT, stack));
  return environmentApp(env, workloadImages(env, tags)).chart.toJson() as KubeObject[];
}
const deployment = (objects: KubeObject[], role: string) => objects.find((o) => o.kind === 'Deployment' && o.metadata.name === `agent-${role}`)!;
const container = (objects: KubeObject[], role: string, name: string) => deployment(objects, role).spec.template.spec.containers.find((c: any) => c.name === name);
const envOf = (c: any) => Object.fromEntries((c?.env ?? []).map((e: any) => [e.name, e.value ?? e.valueFrom]));
const withSandbox = (change: Partial<NonNullable<Environment['sandbox']>>) => (env: Environment) => ({ ...env, sandbox: { ...env.sandbox!, ...change } });

describe('the sandbox sidecar', () => {
  it('runs the probe the image runs as its HEALTHCHECK, as the UID and on the socket the image declares, with the sandbox server as entry point', () => {
    const healthcheck = /^HEALTHCHECK .*\\\n\s+CMD (\[.*\])$/m.exec(DOCKERFILE)?.[1];
    expect(JSON.parse(healthcheck!)).toEqual(SANDBOX_PING_COMMAND);
    expect(DOCKERFILE).toMatch(new RegExp(`^USER ${SANDBOX_UID}:${SANDBOX_UID}$`, 'm'));
    expect(DOCKERFILE).toContain(`HIVE_SANDBOX_SOCKET=${SANDBOX_SOCKET}`);
    expect(JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(DOCKERFILE)![1])).toEqual(SANDBOX_COMMAND);
    const sandbox = container(render('staging'), 'developer', 'sandbox');
    expect(sandbox.command).toEqual(SANDBOX_COMMAND);
    for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) expect(sandbox[probe].exec.command, probe).toEqual(SANDBOX_PING_COMMAND);
  });

  it('shares the workspace at the same path and the socket directory with the agent, and nothing else', () => {
    const objects = render('staging');
    const pod = deployment(objects, 'developer').spec.template.spec;
    const [agent, sandbox] = pod.containers;
    const mounts = (c: any) => Object.fromEntries(c.volumeMounts.map((m: any) => [m.name, m.mountPath]));
    const shared = Object.keys(mounts(sandbox)).filter((name) => name in mounts(agent));
    expect(shared.sort()).toEqual(['sandbox-socket', 'workspace']);
    for (const name of shared) expect(mounts(sandbox)[name], name).toBe(mounts(agent)[name]);
    expect(envOf(sandbox).HIVE_WORKSPACE_DIR).toBe(mounts(agent).workspace);
    expect(mounts(sandbox).tmp).toBeUndefined();
    expect(mounts(sandbox)['sandbox-tmp']).toBe('/tmp');
    // fsGroup is every container's supplementary group: the sandbox (UID 10002) can use what the agent shares with its group.
    expect(pod.securityContext.fsGroup).toBe(AGENT_UID);
    expect(sandbox.securityContext.runAsUser).toBe(SANDBOX_UID);
    expect(pod.shareProcessNamespace).toBeUndefined();
  });

  it("stops only after the agent: its preStop hook waits until the agent's health port refuses connections", async () => {
    const objects = render('staging');
    const sandbox = container(objects, 'developer', 'sandbox');
    const agent = container(objects, 'developer', 'agent');
    expect(sandbox.lifecycle.preStop.exec.command).toEqual(SANDBOX_WAIT_FOR_AGENT_COMMAND);
    const healthPort = agent.ports.find((p: any) => p.name === agent.livenessProbe.httpGet.port).containerPort;
    expect(SANDBOX_WAIT_FOR_AGENT_COMMAND.at(-1)).toBe(String(healthPort));

    // The real command, against a stand-in for the agent's health server on a free port.
    const port = await freePort();
    const agentHealth = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => agentHealth.listen(port, '127.0.0.1', resolve));
    const [node, ...args] = SANDBOX_WAIT_FOR_AGENT_COMMAND;
    const hook = spawn(node === 'node' ? process.execPath : node, [...args.slice(0, -1), String(port)], { stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => hook.once('exit', resolve));
    const early = await Promise.race([exited, new Promise<'waiting'>((r) => setTimeout(() => r('waiting'), 2_500))]);
    expect(early, 'the hook returned while the agent still answered').toBe('waiting');
    const stoppedAt = Date.now();
    await new Promise((resolve) => agentHealth.close(resolve));
    expect(await exited).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(3_000);
  });

  it('gives the pods with a sandbox the configured workspace (clones and builds go there), and the others the agent’s 2Gi', () => {
    const sizes = (objects: KubeObject[]) =>
      Object.fromEntries(['architect', 'developer', 'qa', 'meta'].map((role) => [role, deployment(objects, role).spec.template.spec.volumes.find((v: any) => v.name === 'workspace').emptyDir.sizeLimit]));
    expect(sizes(render('staging'))).toEqual({ architect: '2Gi', developer: '4Gi', qa: '4Gi', meta: '2Gi' });
    expect(sizes(render('staging', withSandbox({ workspaceSize: '10Gi' }))).developer).toBe('10Gi');
  });

  it('goes into the pods of exactly the configured roles, and git egress follows them', () => {
    const objects = render('staging', withSandbox({ roles: ['architect'] }));
    expect(container(objects, 'architect', 'sandbox')).toBeDefined();
    for (const role of ['developer', 'qa', 'meta']) {
      expect(container(objects, role, 'sandbox'), role).toBeUndefined();
      expect(envOf(container(objects, role, 'agent')).HIVE_SANDBOX_SOCKET, role).toBeUndefined();
    }
    const policy = objects.find((o) => o.metadata.name === 'agents-to-git-host')!;
    expect(policy.spec.podSelector.matchExpressions).toEqual([{ key: 'app.kubernetes.io/component', operator: 'In', values: ['agent', 'agent-track'] }, { key: 'agent-hive/role', operator: 'In', values: ['architect'] }]);
  });

  it('is absent, with its egress, where the environment has no sandbox or no role for it', () => {
    for (const objects of [render('prod', ({ sandbox: _none, ...env }) => env as Environment), render('prod', withSandbox({ roles: [] }))]) {
      expect(objects.filter((o) => o.kind === 'Deployment').flatMap((d) => d.spec.template.spec.containers.map((c: any) => c.name))).not.toContain('sandbox');
      expect(objects.find((o) => o.metadata.name === 'agents-to-git-host')).toBeUndefined();
      expect(JSON.stringify(objects)).not.toContain('agent-hive-git');
    }
  });

  it('has no git egress rule without a git host', () => {
    const objects = render('staging', withSandbox({ gitHost: undefined }));
    expect(container(objects, 'qa', 'sandbox')).toBeDefined();
    expect(objects.find((o) => o.metadata.name === 'agents-to-git-host')).toBeUndefined();
  });

  it('tells the agent the one host its git tokens are for (HIVE_GIT_HOST, with the port), and none without a git host', () => {
    expect(envOf(container(render('prod'), 'developer', 'agent')).HIVE_GIT_HOST).toBe('github.com:443');
    expect(envOf(container(render('staging'), 'qa', 'agent')).HIVE_GIT_HOST).toBe('git.staging.example.com:443');
    expect(envOf(container(render('staging', withSandbox({ gitHost: undefined })), 'qa', 'agent'))).not.toHaveProperty('HIVE_GIT_HOST');
  });

  it('runs the built sandbox image by default, and an own toolchain image as given', () => {
    expect(container(render('prod'), 'qa', 'sandbox').image).toBe(imageReference('registry.example.com/agent-hive', 'sandbox', tags.sandbox));
    const own = `registry.example.com/team/toolchain@sha256:${'b'.repeat(64)}`;
    expect(container(render('prod', withSandbox({ image: own })), 'qa', 'sandbox').image).toBe(own);
  });

  it("gives the agent exactly the limits the environment sets, leaving the others to the runtime's defaults", () => {
    const staging = envOf(container(render('staging'), 'developer', 'agent'));
    expect([staging.HIVE_MAX_COMMANDS, staging.HIVE_MAX_COMMAND_SECONDS, staging.HIVE_COMMAND_TIMEOUT_SECONDS]).toEqual(['30', '600', '300']);
    const prod = envOf(container(render('prod'), 'developer', 'agent'));
    expect(Object.keys(prod).filter((name) => /^HIVE_(MAX_COMMAND|COMMAND_|MAX_PATCH)/.test(name))).toEqual([]);
    const all = envOf(
      container(render('prod', withSandbox({ limits: { maxCommands: 7, maxCommandSeconds: 70, commandTimeoutSeconds: 10, commandOutputBytes: 1000, maxPatchBytes: 2000 } })), 'developer', 'agent'),
    );
    expect([all.HIVE_MAX_COMMANDS, all.HIVE_MAX_COMMAND_SECONDS, all.HIVE_COMMAND_TIMEOUT_SECONDS, all.HIVE_COMMAND_OUTPUT_BYTES, all.HIVE_MAX_PATCH_BYTES]).toEqual(['7', '70', '10', '1000', '2000']);
  });
});
