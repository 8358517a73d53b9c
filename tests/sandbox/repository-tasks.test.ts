import { afterEach, describe, expect, it } from 'vitest';
import { text, toolUse, turnOf } from '../support/fake-messages-api';
import { BareRepository } from '../support/git-repository';
import { enqueue, waitForResults } from '../support/hive-streams';
import { useSandboxHive } from '../support/sandbox-fixture';

const hive = useSandboxHive();
const repositories: BareRepository[] = [];
afterEach(() => repositories.splice(0).forEach((r) => r.remove()));

function repository(): BareRepository {
  const repo = BareRepository.create({ 'README.md': '# demo\n' });
  repositories.push(repo);
  return repo;
}

describe('repository tasks that cannot be served', () => {
  it('refuses a bad url or an option-looking ref with a message naming the field, before any model call', async () => {
    const api = await hive.api(() => text('never'));
    await hive.startSandbox();
    const agent = await hive.startCodingAgent('developer', 'agent-developer-refs');
    await agent.waitForReadiness(200);
    const client = hive.client();
    const url = repository().url;
    await enqueue(client, 'developer', 'task-option-ref', { instructions: 'x', repo: { url, ref: '--upload-pack=touch /tmp/pwned' } });
    await enqueue(client, 'developer', 'task-ssh-url', { instructions: 'x', repo: { url: 'ssh://git@example.com/a/b.git', ref: 'main' } });
    await enqueue(client, 'developer', 'task-push-alone', { instructions: 'x', push: { branch: 'feature' } });
    const results = await waitForResults(client, 3);
    const errors = Object.fromEntries(results.map((r) => [r.taskId, `${r.status}: ${r.output.error}`]));
    expect(errors['task-option-ref']).toMatch(/^dead_lettered: malformed task: payload\.repo\.ref must not start with '-'/);
    expect(errors['task-ssh-url']).toMatch(/^dead_lettered: malformed task: payload\.repo\.url must use https:, http:, file:, got `ssh:`/);
    expect(errors['task-push-alone']).toMatch(/^dead_lettered: malformed task: payload\.push needs payload\.repo/);
    expect(api.requests).toHaveLength(0);
  });

  it('fails with the reason, before any model call, a missing ref, a push without a push token, and a repository for an agent without a sandbox', async () => {
    const api = await hive.api(() => text('never'));
    await hive.startSandbox();
    const coding = await hive.startCodingAgent('developer', 'agent-developer-fail');
    const plain = await hive.startAgent('architect', 'agent-architect-plain');
    await Promise.all([coding.waitForReadiness(200), plain.waitForReadiness(200)]);
    const client = hive.client();
    const url = repository().url;
    await enqueue(client, 'developer', 'task-no-ref', { instructions: 'x', repo: { url, ref: 'no-such-branch' } });
    await enqueue(client, 'developer', 'task-no-token', { instructions: 'x', repo: { url, ref: 'main' }, push: { branch: 'feature' } });
    await enqueue(client, 'architect', 'task-no-sandbox', { instructions: 'x', repo: { url, ref: 'main' } });
    const results = await waitForResults(client, 3);
    const errors = Object.fromEntries(results.map((r) => [r.taskId, `${r.status}: ${r.output.error}`]));
    expect(errors['task-no-ref']).toMatch(/^failed: payload\.repo: sandbox: fetching 'no-such-branch' from file:\/\/.* failed \(exit 128\): fatal: couldn't find remote ref no-such-branch/);
    expect(errors['task-no-token']).toBe('failed: payload.push: this environment grants no push token (HIVE_GIT_PUSH_TOKEN is not set); leave out push to get a patch only');
    expect(errors['task-no-sandbox']).toBe('failed: payload.repo: the architect agents have no sandbox to clone into (HIVE_SANDBOX_SOCKET is not set)');
    expect(api.requests).toHaveLength(0);
  });

  it('leaves out a patch over HIVE_MAX_PATCH_BYTES and fails the task saying so, with the patch size', async () => {
    await hive.api((request) => (turnOf(request) === 1 ? toolUse('run_command', { command: 'seq 1 2000 > numbers.txt' }) : text('wrote numbers')));
    await hive.startSandbox();
    const agent = await hive.startCodingAgent('developer', 'agent-developer-big', { HIVE_MAX_PATCH_BYTES: '4096' });
    await agent.waitForReadiness(200);
    const client = hive.client();
    await enqueue(client, 'developer', 'task-big-patch', { instructions: 'x', repo: { url: repository().url, ref: 'main' } });
    const [result] = await waitForResults(client, 1);
    const output = result.output as typeof result.output & { patch?: string; patchBytes: number; patchOmitted: string };
    expect(result.status).toBe('failed');
    expect(output.patch).toBeUndefined();
    // The whole patch of the new file: git's header (7-digit index hashes in a repository this small) and 2,000 `+` lines of `seq` (8,893 bytes).
    const patchBytes = 'diff --git a/numbers.txt b/numbers.txt\nnew file mode 100644\n'.length + `index ${'0'.repeat(7)}..${'0'.repeat(7)}\n`.length + '--- /dev/null\n+++ b/numbers.txt\n@@ -0,0 +1,2000 @@\n'.length + 2000 + 8893;
    expect(output.patchBytes).toBe(patchBytes);
    expect(output.error).toBe(`the patch is ${patchBytes} bytes, over HIVE_MAX_PATCH_BYTES (4096); it was left out, not cut`);
    expect(output.patchOmitted).toBe(output.error);
  });
});

describe('the readiness of an agent with a sandbox', () => {
  it('is ready only while its sandbox answers', async () => {
    await hive.api(() => text('never'));
    const agent = await hive.startCodingAgent('qa', 'agent-qa-ready');
    // Connected to Redis and consuming: only the sandbox is missing.
    await agent.waitForLog('consuming');
    expect(await agent.get('/readyz')).toEqual({ status: 503, body: 'sandbox not answering\n' });
    const sandbox = await hive.startSandbox();
    await agent.waitForReadiness(200, 5_000);
    await sandbox.stop();
    await agent.waitForReadiness(503, 5_000);
  });
});
