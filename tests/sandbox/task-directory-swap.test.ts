import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RecordedRequest, text, toolUse, turnOf } from '../support/fake-messages-api';
import { BareRepository } from '../support/git-repository';
import { enqueue, waitForResults } from '../support/hive-streams';
import { podDirectory, useSandboxHive } from '../support/sandbox-fixture';
import { AGENT_ID } from '../support/sandbox-users';

const hive = useSandboxHive();
const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

const API_KEY = 'sk-ant-swap-key-5e4d3c2b1a';
const REDIS_PASSWORD = 'redis-pass-for-swap-91';

/** The command's own directory renamed, and a symlink to `target` put under its name: the task root lets the sandbox's group make entries. */
const swapFor = (target: string) => `n=$(basename "$PWD"); cd .. && mv "$n" "$n.moved" && ln -s ${target} "$n" && echo swapped`;

describe('a command that swaps its task directory for a symlink', () => {
  it("fails its task at once: no file tool reads the agent's /proc/self/environ or writes, no patch is made of what the link points to, and nothing outside is removed", async () => {
    // A directory the agent may write and remove, outside the workspace: what a symlink could lead remove() into.
    const outside = podDirectory('hive-outside-', 0, AGENT_ID, 0o2770);
    cleanups.push(() => rmSync(outside, { recursive: true, force: true }));
    writeFileSync(join(outside, 'keep.txt'), 'keep');
    const repo = BareRepository.create({ 'README.md': '# demo\n' });
    cleanups.push(() => repo.remove());
    const api = await hive.api((request: RecordedRequest) => {
      const environTask = JSON.stringify(request.body.messages[0].content).includes('environ please');
      switch (turnOf(request)) {
        case 1:
          return toolUse('run_command', { command: swapFor(environTask ? '/proc/self' : outside) });
        case 2:
          return environTask ? toolUse('read_file', { path: 'environ' }) : toolUse('write_file', { path: 'note.txt', content: 'written through the link' });
        default:
          return text('done');
      }
    });
    await hive.startSandbox();
    const agent = await hive.startCodingAgent('developer', 'agent-developer-swap', { ANTHROPIC_API_KEY: API_KEY, REDIS_PASSWORD });
    await agent.waitForReadiness(200);
    const client = hive.client();
    await enqueue(client, 'developer', 'task-swap-proc', { instructions: 'environ please' });
    await enqueue(client, 'developer', 'task-swap-outside', { instructions: 'write a note' });
    await enqueue(client, 'developer', 'task-swap-repo', { instructions: 'write a note', repo: { url: repo.url, ref: 'main' } });
    const results = await waitForResults(client, 3);

    for (const result of results) {
      expect(result.status, result.taskId).toBe('failed');
      expect(result.output.error).toMatch(/^the task's directory was replaced \(it is a symlink\): a command moved it; the task is stopped$/);
      expect(result.output.files).toEqual({});
    }
    // The model was not asked again after the command of either task: no read_file or write_file ran.
    expect(api.requests).toHaveLength(3);
    const repoTask = results.find((r) => r.taskId === 'task-swap-repo')!.output as Record<string, unknown>;
    expect(repoTask).not.toHaveProperty('patch');
    expect(repoTask).not.toHaveProperty('patchBase64');
    const everything = JSON.stringify(results) + JSON.stringify(api.requests.map((r) => r.body)) + JSON.stringify(agent.logs);
    expect(everything).not.toContain(API_KEY);
    expect(everything).not.toContain(REDIS_PASSWORD);
    expect(readdirSync(outside)).toEqual(['keep.txt']);
    expect(readFileSync(join(outside, 'keep.txt'), 'utf8')).toBe('keep');
  });
});
