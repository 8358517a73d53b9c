import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RecordedRequest, text, toolResults, toolUse, turnOf } from '../support/fake-messages-api';
import { BareRepository } from '../support/git-repository';
import { GitHttpsServer, projectRootOf } from '../support/git-https-server';
import { enqueue, waitForResults } from '../support/hive-streams';
import { useSandboxHive } from '../support/sandbox-fixture';

const hive = useSandboxHive();
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const CLONE_TOKEN = 'clone-token-https-4c1d';
const PUSH_TOKEN = 'push-token-https-7e2a';

async function gitHost(): Promise<{ repo: BareRepository; server: GitHttpsServer; url: string; host: string }> {
  const repo = BareRepository.create({ 'main.c': 'int main(void) { return 1; }\n' });
  const server = new GitHttpsServer(projectRootOf(repo.dir), [CLONE_TOKEN, PUSH_TOKEN]);
  const port = await server.start();
  cleanups.push(() => repo.remove(), () => server.stop());
  const url = server.url(port, repo.dir);
  return { repo, server, url, host: new URL(url).host };
}

/** One CA file the sandbox trusts for several test hosts (each has its own self-signed certificate). */
function caBundle(servers: readonly GitHttpsServer[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'hive-ca-bundle-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'bundle.pem');
  writeFileSync(file, servers.map((s) => readFileSync(s.caFile, 'utf8')).join(''));
  chmodSync(dir, 0o755);
  chmodSync(file, 0o644);
  return file;
}

describe('git credentials of a repository task over HTTPS', () => {
  it('hands the clone token only to the fetch and the push token only to the push, never to a command or a file', async () => {
    const { repo, server, url, host } = await gitHost();
    // What a command could find: the repository's config, its environment, HOME, TMPDIR and every process it can read.
    const probe = 'cat .git/config; git remote -v; env; cat "$HOME"/.gitconfig "$HOME"/.git-credentials 2>&1; grep -rl -- -token- "$HOME" "$TMPDIR" .git /proc/[0-9]*/environ 2>/dev/null; echo probe-done';
    let probed = '';
    await hive.api((request: RecordedRequest) => {
      const turn = turnOf(request);
      if (turn === 1) return toolUse('edit_file', { path: 'main.c', old_string: 'return 1', new_string: 'return 0' });
      if (turn === 2) return toolUse('run_command', { command: probe });
      probed = toolResults(request)[0].content;
      return text('Fixed the exit code.');
    });
    await hive.startSandbox({ GIT_SSL_CAINFO: server.caFile });
    const agent = await hive.startCodingAgent('developer', 'agent-developer-https', { HIVE_GIT_TOKEN: CLONE_TOKEN, HIVE_GIT_PUSH_TOKEN: PUSH_TOKEN, HIVE_GIT_HOST: host });
    await agent.waitForReadiness(200);
    const client = hive.client();
    await enqueue(client, 'developer', 'task-https', { instructions: 'Fix the exit code.', repo: { url, ref: 'main' }, push: { branch: 'fix/exit-code' } });
    const [result] = await waitForResults(client, 1);

    expect(result.status, result.output.error).toBe('succeeded');
    const pushed = (result.output as unknown as { pushed: { commit: string } }).pushed;
    expect(repo.branch('fix/exit-code')).toBe(pushed.commit);
    const authenticated = server.seen.filter((s) => s.password !== '');
    expect(new Set(authenticated.filter((s) => s.service === 'git-upload-pack').map((s) => s.password))).toEqual(new Set([CLONE_TOKEN]));
    expect(new Set(authenticated.filter((s) => s.service === 'git-receive-pack').map((s) => s.password))).toEqual(new Set([PUSH_TOKEN]));

    expect(probed).toContain('probe-done');
    expect(probed).not.toContain('-token-');
    expect(probed).not.toContain(url);
    expect(JSON.stringify(result) + JSON.stringify(agent.logs)).not.toMatch(/clone-token|push-token/);
  });

  it('hands the tokens only to HIVE_GIT_HOST: a repository on another host is fetched without one, a push there is refused, and without HIVE_GIT_HOST none is sent', async () => {
    const configured = await gitHost();
    const other = await gitHost();
    const api = await hive.api(() => text('Looked at it.'));
    await hive.startSandbox({ GIT_SSL_CAINFO: caBundle([configured.server, other.server]) });
    const tokens = { HIVE_GIT_TOKEN: CLONE_TOKEN, HIVE_GIT_PUSH_TOKEN: PUSH_TOKEN };
    const agent = await hive.startCodingAgent('developer', 'agent-developer-git-host', { ...tokens, HIVE_GIT_HOST: configured.host });
    await agent.waitForReadiness(200);
    const client = hive.client();
    await enqueue(client, 'developer', 'task-other-host', { instructions: 'x', repo: { url: other.url, ref: 'main' } });
    await enqueue(client, 'developer', 'task-push-other-host', { instructions: 'x', repo: { url: other.url, ref: 'main' }, push: { branch: 'stolen' } });
    await enqueue(client, 'developer', 'task-git-host', { instructions: 'x', repo: { url: configured.url, ref: 'main' } });
    const results = await waitForResults(client, 3);
    const byId = Object.fromEntries(results.map((r) => [r.taskId, r]));

    expect(byId['task-other-host'].status).toBe('failed');
    expect(byId['task-other-host'].output.error).toMatch(/^payload\.repo: sandbox: fetching 'main' from https:\/\/127\.0\.0\.1:\d+\/origin\.git failed \(exit 128\): .*(Authentication failed|could not read Username)/s);
    expect(byId['task-push-other-host'].output.error).toBe(`payload.push: the push token is for ${configured.host} (HIVE_GIT_HOST), not for ${other.host}; leave out push to get a patch only`);
    expect(other.server.seen.length).toBeGreaterThan(0);
    expect(other.server.seen.filter((s) => s.password !== '')).toEqual([]);
    expect(other.repo.branch('stolen')).toBeUndefined();

    expect(byId['task-git-host'].status, byId['task-git-host'].output.error).toBe('succeeded');
    expect(new Set(configured.server.seen.map((s) => s.password).filter(Boolean))).toEqual(new Set([CLONE_TOKEN]));
    expect(JSON.stringify(results) + JSON.stringify(agent.logs) + JSON.stringify(api.requests)).not.toMatch(/clone-token|push-token/);

    // Without HIVE_GIT_HOST the tokens are for no host: a push says so before any model call.
    await agent.stop();
    const unset = await hive.startCodingAgent('developer', 'agent-developer-no-git-host', tokens);
    await unset.waitForReadiness(200);
    await enqueue(client, 'developer', 'task-push-no-host', { instructions: 'x', repo: { url: configured.url, ref: 'main' }, push: { branch: 'feature' } });
    const [pushed] = (await waitForResults(client, 4)).filter((r) => r.taskId === 'task-push-no-host');
    expect(pushed.output.error).toBe('payload.push: the push token is for no host (HIVE_GIT_HOST is not set); leave out push to get a patch only');
  });

  it('fails the task with the host’s refusal when the environment has no clone token', async () => {
    const { server, url } = await gitHost();
    const api = await hive.api(() => text('never'));
    await hive.startSandbox({ GIT_SSL_CAINFO: server.caFile });
    const agent = await hive.startCodingAgent('developer', 'agent-developer-no-token');
    await agent.waitForReadiness(200);
    const client = hive.client();
    await enqueue(client, 'developer', 'task-no-clone-token', { instructions: 'x', repo: { url, ref: 'main' } });
    const [result] = await waitForResults(client, 1);
    expect(result.status).toBe('failed');
    expect(result.output.error).toMatch(/^payload\.repo: sandbox: fetching 'main' from https:\/\/127\.0\.0\.1:\d+\/origin\.git failed \(exit 128\): .*(Authentication failed|could not read Username)/s);
    expect(api.requests).toHaveLength(0);
  });
});
