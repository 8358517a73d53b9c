import { chmodSync, chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { taskRoot } from '../../agent-runtime/src/sandbox/task-directories';
import { RecordedRequest, text, toolResults, toolUse, turnOf } from '../support/fake-messages-api';
import { enqueue, waitForResults } from '../support/hive-streams';
import { useSandboxHive } from '../support/sandbox-fixture';
import { AGENT_ID, SANDBOX_ID } from '../support/sandbox-users';

const hive = useSandboxHive();

const API_KEY = 'sk-ant-test-key-0123456789';
const REDIS_PASSWORD = 'redis-pass-for-isolation-77';
const GIT_TOKEN = 'git-token-for-isolation-31';
/** The variables a command may see: the server's four (HOME and TMPDIR its task's), and what sh sets itself. */
const ALLOWED_ENV = ['PATH', 'HOME', 'LANG', 'TMPDIR', 'PWD', 'OLDPWD', 'SHLVL', '_'];

describe('a command that reaches for what is not its own', () => {
  it("cannot read the agent's environment, the API key, the Redis password, the git token or another task's directory", async () => {
    // Another task's directory, as the sandbox would have made it: its name is the only thing that protects it.
    const other = join(taskRoot(hive.volumes.workspace), '9f3c0d6b1e2a4c5d8e7f6a5b4c3d2e1f');
    let agentPid = 0;
    const commands = () => [
      `cat /proc/${agentPid}/environ`,
      'env',
      'ls -a ..',
      'find ../.. -name other-task-secret.txt 2>&1; echo found-nothing',
      // The secrets come in base64 and reach grep on stdin: no process's argv carries them for grep to find.
      `echo ${Buffer.from([API_KEY, REDIS_PASSWORD, GIT_TOKEN].join('\n')).toString('base64')} | base64 -d | grep -rsF -f /dev/stdin /proc/[0-9]*/environ /proc/[0-9]*/cmdline ../.. "$HOME" "$TMPDIR"; echo "grep exit $?"`,
    ];
    const seen: Array<{ content: string; is_error?: boolean }> = [];
    await hive.api((request: RecordedRequest) => {
      const turn = turnOf(request);
      if (turn > 1) seen.push(toolResults(request)[0]);
      return turn <= commands().length ? toolUse('run_command', { command: commands()[turn - 1] }) : text('done');
    });
    await hive.startSandbox();
    const agent = await hive.startCodingAgent('qa', 'agent-qa-isolation', { ANTHROPIC_API_KEY: API_KEY, REDIS_PASSWORD, HIVE_GIT_TOKEN: GIT_TOKEN });
    agentPid = agent.process.pid!;
    await agent.waitForReadiness(200);
    mkdirSync(other);
    writeFileSync(join(other, 'other-task-secret.txt'), 'the other task');
    chownSync(other, SANDBOX_ID, AGENT_ID);
    chmodSync(other, 0o2770);

    const client = hive.client();
    await enqueue(client, 'qa', 'task-isolation', { instructions: 'Look around.', files: { 'mine.txt': 'mine' } });
    const [result] = await waitForResults(client, 1);
    expect(result.status).toBe('succeeded');
    const [environ, env, list, find, grep] = seen.map((r) => r.content);

    // The sandbox has its own PID namespace, as in the pod: the agent's process is not even there (its uid would refuse the read too).
    expect(environ).toMatch(/^exit code 1\n/);
    expect(environ).toMatch(/No such file or directory|Permission denied/);
    const names = env.split('--- stdout ---\n')[1].split('\n--- stderr ---')[0].split('\n').filter(Boolean).map((line) => line.split('=')[0]);
    expect(names.filter((name) => !ALLOWED_ENV.includes(name))).toEqual([]);
    expect(list).toMatch(/^exit code (1|2)\n/);
    expect(list).toContain('Permission denied');
    expect(find).not.toContain('other-task-secret.txt\n');
    expect(find).toContain('found-nothing');
    // Nothing matched (exit 1; 2 when some file was unreadable as well): grep printed no line.
    expect(grep).toMatch(/--- stdout ---\ngrep exit [12]\n/);
    const everything = seen.map((r) => r.content).join('\n');
    for (const secret of [API_KEY, REDIS_PASSWORD, GIT_TOKEN]) expect(everything).not.toContain(secret);
  });
});
