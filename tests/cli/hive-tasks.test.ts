import { describe, expect, it } from 'vitest';
import { apiError, RecordedRequest, text, toolUse, turnOf } from '../support/fake-messages-api';
import { ClientName, GatewayProcess, useGateway } from '../support/gateway-fixture';
import { hive } from '../support/hive-cli';

const fleet = useGateway('sqlite');

const ISO = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z';
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

function env(gateway: GatewayProcess, client: ClientName = 'alice'): Record<string, string> {
  return { HIVE_URL: gateway.url, HIVE_TOKEN: fleet.tokens[client] };
}

/** One write, then the final text; a task whose instructions say "fail" meets an API error instead. */
function script(request: RecordedRequest) {
  if (JSON.stringify(request.body.messages[0]).includes('fail')) return apiError(400, 'invalid_request_error', 'no');
  return turnOf(request) === 1 ? toolUse('write_file', { path: 'a.md', content: 'alpha\n' }) : text('Done.');
}

/** Submits and waits for the end; answers the task's id. */
async function submitted(gateway: GatewayProcess, instructions: string, ...options: string[]): Promise<string> {
  const run = await hive(['submit', '--role', 'developer', ...options, instructions], { env: env(gateway) });
  return /^task (\S+) submitted$/m.exec(run.stderr)![1];
}

describe('hive status, list and logs', () => {
  it('show a finished task as text and as the A2A JSON', async () => {
    await fleet.api(script);
    await fleet.startAgent('developer', 'dev-1');
    const gateway = await fleet.startGateway();
    const id = await submitted(gateway, 'Write a.', '--title', 'First');

    const status = await hive(['status', id], { env: env(gateway) });
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(
      new RegExp(`^task {7}${id}\nrole {7}developer\ntitle {6}First\nstate {6}completed\nupdated {4}${ISO}\nturns {6}2\ntokens {5}20 in, 10 out\nartifacts  a\\.md \\(6 bytes\\)\n\nDone\\.\n$`),
    );
    const task = JSON.parse((await hive(['status', id, '--json'], { env: env(gateway) })).stdout);
    expect(task).toMatchObject({ id, status: { state: 'TASK_STATE_COMPLETED' }, metadata: { role: 'developer', client: 'alice', title: 'First' }, artifacts: [{ name: 'a.md', parts: [{ text: 'alpha\n' }] }] });

    const list = await hive(['list'], { env: env(gateway) });
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^ID +STATE +ROLE +UPDATED +TITLE\n${id}  completed  developer  ${ISO}  First\n$`));
    const page = JSON.parse((await hive(['list', '--json'], { env: env(gateway) })).stdout);
    expect(page).toMatchObject({ totalSize: 1, tasks: [{ id, status: { state: 'TASK_STATE_COMPLETED' } }] });

    const logs = await hive(['logs', id], { env: env(gateway) });
    expect(logs.code).toBe(0);
    expect(logs.stdout).toMatch(new RegExp(`^${ISO}  request: Write a\\.\n${ISO}  turn 1: write_file; 15 tokens\n${ISO}  completed: Done\\.\n$`));
    const entries = JSON.parse((await hive(['logs', id, '--json'], { env: env(gateway) })).stdout);
    expect(entries.map((e: { kind: string }) => e.kind)).toEqual(['request', 'turn', 'final']);
    expect(entries[2]).toEqual({ at: task.status.timestamp, kind: 'final', text: 'completed: Done.' });
  });

  it('list filters by --state and shows at most --limit tasks', async () => {
    await fleet.api(script);
    await fleet.startAgent('developer', 'dev-1');
    const gateway = await fleet.startGateway();
    const done = await submitted(gateway, 'Write a.');
    const failed = await submitted(gateway, 'Please fail.');

    const onlyFailed = await hive(['list', '--state', 'failed', '--json'], { env: env(gateway) });
    expect(JSON.parse(onlyFailed.stdout).tasks.map((t: { id: string }) => t.id)).toEqual([failed]);
    const onlyCompleted = await hive(['list', '--state', 'completed'], { env: env(gateway) });
    expect(onlyCompleted.stdout).toContain(done);
    expect(onlyCompleted.stdout).not.toContain(failed);

    const one = await hive(['list', '--limit', '1'], { env: env(gateway) });
    expect(one.stdout.trimEnd().split('\n')).toHaveLength(2);
    expect(one.stdout).toContain(failed);
    expect(one.stderr).toBe('1 of 2 tasks; --limit shows more\n');
  });

  it("refuse an unknown id, another client's task and canceling a finished task with exit 65, over either transport", async () => {
    await fleet.api(script);
    await fleet.startAgent('developer', 'dev-1');
    const gateway = await fleet.startGateway();
    const id = await submitted(gateway, 'Write a.');

    for (const transport of ['jsonrpc', 'rest']) {
      const mine = await hive(['status', id, '--transport', transport, '--role', 'qa'], { env: env(gateway) });
      expect(mine.code).toBe(0);
      const unknown = await hive(['logs', UNKNOWN_ID, '--transport', transport], { env: env(gateway) });
      expect(unknown).toMatchObject({ code: 65, stdout: '', stderr: `hive: the gateway refused the request: task ${UNKNOWN_ID} not found\n` });
      const theirs = await hive(['status', id, '--transport', transport], { env: env(gateway, 'bob') });
      expect(theirs).toMatchObject({ code: 65, stderr: `hive: the gateway refused the request: task ${id} not found\n` });
      const cancel = await hive(['cancel', id, '--transport', transport], { env: env(gateway) });
      expect(cancel.code).toBe(65);
      expect(cancel.stderr).toMatch(new RegExp(`^hive: the gateway refused the request: task ${id} has already ended .*\n$`));
    }
  });
});
