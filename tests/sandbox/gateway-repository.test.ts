import { TaskState } from '@a2a-js/sdk';
import type { Task } from '@a2a-js/sdk';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PATCH_ARTIFACT } from '../../agent-runtime/src/gateway/a2a-task';
import { instructions, part, rawRpc, sendRequest, waitForState } from '../support/a2a-messages';
import { text, toolUse, turnOf } from '../support/fake-messages-api';
import { useGateway } from '../support/gateway-fixture';
import { BareRepository } from '../support/git-repository';
import { usePodSandbox } from '../support/sandbox-fixture';

const hive = useGateway('sqlite');
const pod = usePodSandbox(hive);
const repositories: BareRepository[] = [];
afterEach(() => repositories.splice(0).forEach((r) => r.remove()));

describe('a repository task through the gateway', () => {
  it('takes repo in the data part, shows the commands in the history and returns the patch as the changes.patch artifact', async () => {
    const repo = BareRepository.create({ 'src/app.py': "print('hi')\n" });
    repositories.push(repo);
    await hive.api((request) => {
      const turn = turnOf(request);
      if (turn === 1) return toolUse('edit_file', { path: 'src/app.py', old_string: "'hi'", new_string: "'hello'" });
      return turn === 2 ? toolUse('run_command', { command: 'python3 src/app.py' }) : text('Said hello.');
    });
    await pod.startSandbox();
    await pod.startCodingAgent('developer', 'dev-sbx');
    const gateway = await hive.startGateway();
    const client = await hive.a2a(gateway, 'developer');

    const submitted = (await client.sendMessage(sendRequest([instructions('Say hello.'), part({ $case: 'data', value: { repo: { url: repo.url, ref: 'main' } } })]))) as Task;
    const task = await waitForState(client, submitted.id, TaskState.TASK_STATE_COMPLETED, 20_000);
    const patch = task.artifacts.find((a) => a.name === PATCH_ARTIFACT);
    expect(patch?.parts[0].mediaType).toBe('text/x-diff');
    const content = patch!.parts[0].content as { $case: 'text'; value: string };
    expect(content.$case).toBe('text');
    const applied = repo.applyToFreshClone(content.value);
    // The command is in the task's history, as its turn's progress.
    expect(task.history.map((m) => (m.parts[0].content as { value: string }).value)).toContain('turn 2: run_command; 30 tokens; `python3 src/app.py` succeeded (exit 0)');
    expect(readFileSync(join(applied, 'src/app.py'), 'utf8')).toBe("print('hello')\n");
  });

  it('refuses a data part with an option-looking ref or a push without a repo, naming the field', async () => {
    const gateway = await hive.startGateway();
    const url = `${gateway.url}/a2a/developer/jsonrpc`;
    const send = async (data: unknown) => {
      const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: { message: { messageId: 'm', role: 'ROLE_USER', parts: [{ text: 'x' }, { data }] } } });
      return (await rawRpc(url, body, { authorization: `Bearer ${hive.tokens.alice}` })).json.error?.message;
    };
    expect(await send({ repo: { url: 'file:///srv/r.git', ref: '-oProxyCommand=x' } })).toMatch(/parts\[1\]\.repo\.ref must not start with '-'/);
    expect(await send({ push: { branch: 'b' } })).toMatch(/parts\[1\]\.push needs parts\[1\]\.repo/);
  });
});
