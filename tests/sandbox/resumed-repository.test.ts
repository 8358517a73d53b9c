import { readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { taskRoot } from '../../agent-runtime/src/sandbox/task-directories';
import { waitFor } from '../support/agent-process';
import { RecordedRequest, ScriptedReply, text, toolResults, toolUse, turnOf } from '../support/fake-messages-api';
import { BareRepository } from '../support/git-repository';
import { enqueue, waitForResults } from '../support/hive-streams';
import { useSandboxHive } from '../support/sandbox-fixture';

const hive = useSandboxHive();
const repositories: BareRepository[] = [];
afterEach(() => repositories.splice(0).forEach((r) => r.remove()));

describe('a repository task whose agent dies mid-task', () => {
  it('resumes on a fresh clone with the files it wrote and the commands it used; the dead run’s directory is removed', async () => {
    const repo = BareRepository.create({ 'a.txt': 'from the repository\n' });
    repositories.push(repo);
    let turn3Calls = 0;
    let listing = '';
    const api = await hive.api((request: RecordedRequest): ScriptedReply => {
      switch (turnOf(request)) {
        case 1:
          return toolUse('run_command', { command: 'echo by-command > cmd.txt' });
        case 2:
          return toolUse('write_file', { path: 'tool.txt', content: 'by tool\n' });
        case 3:
          // The first agent dies while this call hangs; its heir asks again.
          return ++turn3Calls === 1 ? { ...text('never seen'), delayMs: 60_000 } : toolUse('run_command', { command: 'ls' });
        case 4:
          listing = toolResults(request)[0].content;
          return toolUse('run_command', { command: 'true' });
        default:
          return text('done');
      }
    });
    await hive.startSandbox();
    const env = { HIVE_CLAIM_IDLE_MS: '1000', HIVE_MAX_COMMANDS: '2' };
    const doomed = await hive.startCodingAgent('developer', 'agent-developer-doomed', env);
    await doomed.waitForReadiness(200);
    const client = hive.client();
    await enqueue(client, 'developer', 'task-resumed', { instructions: 'x', repo: { url: repo.url, ref: 'main' } });
    await waitFor(() => api.requests.length === 3, 10_000, 'the call for turn 3');
    doomed.kill('SIGKILL');
    await doomed.exited;
    const [orphan] = readdirSync(taskRoot(hive.volumes.workspace));

    const heir = await hive.startCodingAgent('developer', 'agent-developer-heir', env);
    const [result] = await waitForResults(client, 1);

    expect(result).toMatchObject({ agent: 'agent-developer-heir', status: 'succeeded' });
    // A fresh checkout plus what the file tools wrote; what the dead run's commands changed is gone.
    expect(listing).toMatch(/^exit code 0\n--- stdout ---\na\.txt\ntool\.txt\n\n/);
    const output = result.output as typeof result.output & { patch: string; commands: unknown };
    expect(output.patch).toContain('+++ b/tool.txt');
    expect(output.patch).not.toContain('cmd.txt');
    // The command budget carried over: 1 before the crash + 1 after = HIVE_MAX_COMMANDS.
    expect(output.commands).toMatchObject({ count: 2, refused: 1, exhausted: 'maxCommands' });
    expect(await heir.waitForLog('removed task directories of unfinished tasks')).toMatchObject({ removed: 1, failed: 0 });
    await waitFor(() => readdirSync(taskRoot(hive.volumes.workspace)).length === 0, 3_000, 'every task directory removed');
    expect(orphan).toMatch(/^[0-9a-f]{32}$/);
  });
});
