import { describe, expect, it } from 'vitest';
import { METRICS } from '../../agent-runtime/src/contract';
import { RecordedRequest, text, toolResults, toolUse, turnOf } from '../support/fake-messages-api';
import { enqueue, waitForResults } from '../support/hive-streams';
import { useSandboxHive } from '../support/sandbox-fixture';

const hive = useSandboxHive();

/** A model that runs `commands` one per turn, then reports every tool result it saw. */
function runEach(commands: string[]) {
  const seen: Array<{ content: string; is_error?: boolean }> = [];
  const script = (request: RecordedRequest) => {
    const turn = turnOf(request);
    if (turn > 1) seen.push(toolResults(request)[0]);
    return turn <= commands.length ? toolUse('run_command', { command: commands[turn - 1] }) : text(`Report:\n${seen.map((r) => r.content).join('\n')}`);
  };
  return { seen, script };
}

describe('a qa task that runs commands', () => {
  it('runs a failing test and reports its exit code and output in the result', async () => {
    const model = runEach(['npm test']);
    await hive.api(model.script);
    await hive.startSandbox();
    const agent = await hive.startCodingAgent('qa', 'agent-qa-sbx');
    await agent.waitForReadiness(200);
    const client = hive.client();
    await enqueue(client, 'qa', 'task-failing', {
      instructions: 'Run the tests and report.',
      files: {
        'package.json': JSON.stringify({ name: 'qa', version: '1.0.0', scripts: { test: 'node test.js' } }),
        'test.js': "console.log('running 1 test');\nrequire('assert').strictEqual(1 + 1, 3, 'arithmetic is broken');\n",
      },
    });
    const [result] = await waitForResults(client, 1);

    expect(result.status).toBe('succeeded');
    expect(model.seen[0].is_error).toBeUndefined();
    expect(result.output.text).toMatch(/^Report:\nexit code 1\n/);
    expect(result.output.text).toContain('running 1 test');
    expect(result.output.text).toContain('arithmetic is broken');
    expect((result.output as unknown as { commands: unknown }).commands).toMatchObject({ count: 1, refused: 0 });
    expect(await agent.metrics()).toContain(`${METRICS.toolCommandsTotal}{role="qa",outcome="failed",track="stable"} 1`);
  });

  it('truncates a flood of output with a visible marker and stops at the task command budget, telling the model and the result', async () => {
    const model = runEach(['seq 1 300000; seq 1 5000 >&2', 'echo second', 'echo third']);
    await hive.api(model.script);
    await hive.startSandbox();
    const agent = await hive.startCodingAgent('qa', 'agent-qa-flood', { HIVE_COMMAND_OUTPUT_BYTES: '1024', HIVE_MAX_COMMANDS: '2' });
    await agent.waitForReadiness(200);
    const client = hive.client();
    await enqueue(client, 'qa', 'task-flood', { instructions: 'Flood.' });
    const [result] = await waitForResults(client, 1);

    const [flood, second, third] = model.seen;
    expect(flood.content).toMatch(/^exit code 0\n--- stdout ---\n1\n2\n3\n/);
    expect(flood.content).toContain('[stdout truncated: only the first 1024 bytes are shown]');
    expect(flood.content).toContain('[stderr truncated: only the first 1024 bytes are shown]');
    expect(flood.content).not.toContain('300000');
    expect(flood.content.length).toBeLessThan(3_000);
    expect(second.content).toContain('second');
    expect(third.is_error).toBe(true);
    expect(third.content).toBe("command not run: this task's command budget is spent (2 of 2 commands, HIVE_MAX_COMMANDS); finish with what you have");
    expect((result.output as unknown as { commands: unknown }).commands).toMatchObject({ count: 2, refused: 1, exhausted: 'maxCommands' });
    expect(await agent.metrics()).toContain(`${METRICS.toolCommandsTotal}{role="qa",outcome="refused",track="stable"} 1`);
  });

  it('cuts the last command to the task command time left and then refuses, naming HIVE_MAX_COMMAND_SECONDS', async () => {
    const model = runEach(['sleep 5', 'echo too late']);
    await hive.api(model.script);
    await hive.startSandbox();
    const agent = await hive.startCodingAgent('qa', 'agent-qa-seconds', { HIVE_MAX_COMMAND_SECONDS: '1' });
    await agent.waitForReadiness(200);
    const client = hive.client();
    await enqueue(client, 'qa', 'task-seconds', { instructions: 'Sleep.' });
    const [result] = await waitForResults(client, 1);

    const [sleep, late] = model.seen;
    expect(sleep.content).toMatch(/^killed after 1 s: the task's command time is spent \(HIVE_MAX_COMMAND_SECONDS\); every process it started was killed/);
    expect(late).toMatchObject({ is_error: true, content: expect.stringMatching(/^command not run: this task's command budget is spent \(1(\.\d+)? of 1 command seconds, HIVE_MAX_COMMAND_SECONDS\)/) });
    expect((result.output as unknown as { commands: unknown }).commands).toMatchObject({ count: 1, refused: 1, exhausted: 'maxCommandSeconds' });
    expect(await agent.metrics()).toContain(`${METRICS.toolCommandsTotal}{role="qa",outcome="timed_out",track="stable"} 1`);
  });
});
