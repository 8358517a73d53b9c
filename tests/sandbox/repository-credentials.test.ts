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

async function gitHost(): Promise<{ repo: BareRepository; server: GitHttpsServer; url: string }> {
  const repo = BareRepository.create({ 'main.c': 'int main(void) { return 1; }\n' });
  const server = new GitHttpsServer(projectRootOf(repo.dir), [CLONE_TOKEN, PUSH_TOKEN]);
  const port = await server.start();
  cleanups.push(() => repo.remove(), () => server.stop());
  return { repo, server, url: server.url(port, repo.dir) };
}

describe('git credentials of a repository task over HTTPS', () => {
  it('hands the clone token only to the fetch and the push token only to the push, never to a command or a file', async () => {
    const { repo, server, url } = await gitHost();
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
    const agent = await hive.startCodingAgent('developer', 'agent-developer-https', { HIVE_GIT_TOKEN: CLONE_TOKEN, HIVE_GIT_PUSH_TOKEN: PUSH_TOKEN });
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
