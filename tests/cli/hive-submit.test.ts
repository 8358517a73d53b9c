import { Role } from '@a2a-js/sdk';
import type { StreamResponse } from '@a2a-js/sdk';
import type { A2ARequestHandler } from '@a2a-js/sdk/server';
import { agentCardHandler, jsonRpcHandler, UserBuilder } from '@a2a-js/sdk/server/express';
import express from 'express';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { finishedTask, submittedTask } from '../../agent-runtime/src/gateway/a2a-task';
import { agentCard } from '../../agent-runtime/src/gateway/agent-cards';
import { BINARY_SAMPLE } from '../support/a2a-messages';
import { apiError, text, toolUse, turnOf } from '../support/fake-messages-api';
import { GatewayProcess, useGateway } from '../support/gateway-fixture';
import { hive, HiveProcess } from '../support/hive-cli';

const fleet = useGateway('sqlite');

const ID = /^task ([0-9a-f-]{36}) submitted$/m;

function env(gateway: GatewayProcess): Record<string, string> {
  return { HIVE_URL: gateway.url, HIVE_TOKEN: fleet.tokens.alice };
}

describe('hive submit', () => {
  it('sends --file and --dir files, prints a line per turn, writes text and binary artifacts into --out and exits 0', async () => {
    const api = await fleet.api((request) => {
      switch (turnOf(request)) {
        case 1:
          return toolUse('read_file', { path: 'notes.txt' });
        case 2:
          return toolUse('write_file', { path: 'img/logo.bin', content: BINARY_SAMPLE.toString('base64'), encoding: 'base64' });
        case 3:
          return toolUse('write_file', { path: 'answer.md', content: '# done\n' });
        default:
          return text('All written.');
      }
    });
    await fleet.startAgent('developer', 'dev-1');
    const gateway = await fleet.startGateway();
    const cwd = mkdtempSync(join(tmpdir(), 'hive-cli-'));
    const elsewhere = mkdtempSync(join(tmpdir(), 'hive-cli-elsewhere-'));
    writeFileSync(join(cwd, 'notes.txt'), 'remember the logo');
    writeFileSync(join(elsewhere, 'logo.png'), BINARY_SAMPLE);
    for (const [path, content] of Object.entries({ 'project/a.txt': 'alpha', 'project/sub/b.bin': BINARY_SAMPLE, 'project/.git/config': 'x', 'project/node_modules/m/index.js': 'x' })) {
      mkdirSync(join(cwd, path, '..'), { recursive: true });
      writeFileSync(join(cwd, path), content);
    }
    symlinkSync('a.txt', join(cwd, 'project', 'a-link.txt'));

    const run = await hive(
      ['submit', '--role', 'developer', '--file', 'notes.txt', '--file', join(elsewhere, 'logo.png'), '--dir', 'project', '--out', 'result', '--title', 'Logo copy', '--max-turns', '10', 'Copy', 'the logo.'],
      { env: env(gateway), cwd },
    );

    expect(run.stderr).toMatch(ID);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('All written.\n');
    // Not a terminal: a plain line per turn, the gateway's text plus the elapsed time.
    expect(run.stderr).toMatch(/^turn 1: read_file; 15 tokens; \d+\.\d s$/m);
    expect(run.stderr).toMatch(/^turn 3: write_file; 45 tokens; \d+\.\d s$/m);
    expect(run.stderr).not.toContain('\r');
    expect(readFileSync(join(cwd, 'result', 'answer.md'), 'utf8')).toBe('# done\n');
    expect(readFileSync(join(cwd, 'result', 'img', 'logo.bin'))).toEqual(BINARY_SAMPLE);
    expect(run.stderr).toContain(`wrote ${join(cwd, 'result', 'img', 'logo.bin')}`);

    // The agent got the files under the documented names, and neither .git nor node_modules.
    const prompt = JSON.stringify(api.requests[0].body.messages[0]);
    expect(prompt).toContain('# Logo copy');
    expect(prompt).toContain('Copy the logo.');
    expect(prompt).toContain('The workspace holds: notes.txt, a-link.txt, a.txt, logo.png, sub/b.bin');
    expect(JSON.stringify(api.requests[1].body.messages)).toContain('remember the logo');

    // Text files went as text parts, the others as raw bytes (the gateway keeps the message as sent).
    const id = ID.exec(run.stderr)![1];
    const status = await hive(['status', id, '--json'], { env: env(gateway) });
    const parts = JSON.parse(status.stdout).history[0].parts as Array<{ text?: string; raw?: string; filename?: string; data?: unknown }>;
    const byName = Object.fromEntries(parts.filter((p) => p.filename).map((p) => [p.filename, p]));
    expect(byName['notes.txt']).toMatchObject({ text: 'remember the logo' });
    expect(byName['a.txt']).toMatchObject({ text: 'alpha' });
    expect(Buffer.from(byName['logo.png'].raw!, 'base64')).toEqual(BINARY_SAMPLE);
    expect(Buffer.from(byName['sub/b.bin'].raw!, 'base64')).toEqual(BINARY_SAMPLE);
    expect(parts.find((p) => p.data)?.data).toEqual({ title: 'Logo copy', budget: { maxTurns: 10 } });
  });

  it('exits 1 when the task fails, with the error in the final text, and lists the artifacts when there is no --out', async () => {
    await fleet.api((request) => (turnOf(request) === 1 ? toolUse('write_file', { path: 'draft.md', content: 'half\n' }) : apiError(400, 'invalid_request_error', 'prompt is too long')));
    await fleet.startAgent('developer', 'dev-1');
    const gateway = await fleet.startGateway();
    const cwd = mkdtempSync(join(tmpdir(), 'hive-cli-'));

    const run = await hive(['submit', '--role', 'developer', 'Write a draft.'], { env: env(gateway), cwd });

    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^error: .*prompt is too long/m);
    expect(run.stderr).toContain('1 artifact(s), not written (pass --out DIR to write them):\n  draft.md (5 bytes)\n');
    expect(existsSync(join(cwd, 'draft.md'))).toBe(false);
  });

  it('exits 2 when the task is canceled from a second hive process while a turn is under way', async () => {
    const api = await fleet.api((request) => (turnOf(request) === 1 ? { ...toolUse('write_file', { path: 'a.md', content: 'a' }), delayMs: 1500 } : text('never')));
    await fleet.startAgent('developer', 'dev-1');
    const gateway = await fleet.startGateway();

    const submit = HiveProcess.start(['submit', '--role', 'developer', 'Take your time.'], { env: env(gateway) });
    const [, id] = await submit.waitForStderr(ID);
    const cancel = await hive(['cancel', id], { env: env(gateway) });
    const run = await submit.result;

    expect(cancel.code).toBe(0);
    expect(cancel.stdout).toBe(`task ${id} canceled\n`);
    expect(run.code).toBe(2);
    expect(api.requests.every((r) => turnOf(r) === 1)).toBe(true);
  });

  it('exits 69 with the id to follow when the gateway goes away before the task ends', async () => {
    await fleet.api(() => ({ ...text('late'), delayMs: 3000 }));
    await fleet.startAgent('developer', 'dev-1');
    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      const gateway = await fleet.startGateway();
      const submit = HiveProcess.start(['submit', '--role', 'developer', 'Take your time.'], { env: env(gateway) });
      const [, id] = await submit.waitForStderr(ID);
      gateway.kill(signal);
      const run = await submit.result;
      // Stopped: the gateway ends its streams; killed: the connection breaks.
      const why = signal === 'SIGTERM' ? 'the gateway ended the stream before the task ended' : 'lost the connection to the gateway: [^;]+';
      expect(run, signal).toMatchObject({ code: 69, stdout: '' });
      expect(run.stderr.split('\n').at(-2), signal).toMatch(new RegExp(`^hive: ${why}; task ${id} goes on: follow it with 'hive status ${id}'$`));
    }
  });

  it('--json prints every stream event as a JSON line, the final status last', async () => {
    await fleet.api((request) => (turnOf(request) === 1 ? toolUse('write_file', { path: 'x.txt', content: 'x' }) : text('ok')));
    await fleet.startAgent('developer', 'dev-1');
    const gateway = await fleet.startGateway();

    const run = await hive(['submit', '--role', 'developer', '--json', 'Write x.'], { env: env(gateway) });

    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const events = run.stdout.trimEnd().split('\n').map((line) => JSON.parse(line));
    expect(events[0].task.status.state).toBe('TASK_STATE_SUBMITTED');
    expect(events.find((e) => e.statusUpdate?.status.state === 'TASK_STATE_WORKING')?.statusUpdate.metadata).toMatchObject({ turn: 1, toolCalls: ['write_file'] });
    expect(events.find((e) => e.artifactUpdate)?.artifactUpdate.artifact).toMatchObject({ name: 'x.txt', parts: [{ text: 'x' }] });
    expect(events.at(-1).statusUpdate.status).toMatchObject({ state: 'TASK_STATE_COMPLETED', message: { parts: [{ text: 'ok' }] } });
  });

  it('--no-wait prints the id of the accepted task and exits 0 at once', async () => {
    await fleet.api(() => ({ ...text('later'), delayMs: 1000 }));
    await fleet.startAgent('developer', 'dev-1');
    const gateway = await fleet.startGateway();

    const run = await hive(['submit', '--role', 'developer', '--no-wait', 'Later.'], { env: env(gateway) });

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^[0-9a-f-]{36}\n$/);
    const status = await hive(['status', run.stdout.trim(), '--json'], { env: env(gateway) });
    expect(JSON.parse(status.stdout).status.state).not.toBe('TASK_STATE_COMPLETED');
  });

  it('refuses a --dir symlink that points outside the directory, before it connects', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'hive-cli-'));
    mkdirSync(join(cwd, 'project'));
    writeFileSync(join(cwd, 'secret.txt'), 'secret');
    symlinkSync(join(cwd, 'secret.txt'), join(cwd, 'project', 'innocent.txt'));

    const run = await hive(['submit', '--role', 'developer', '--dir', 'project', 'Go.'], { env: { HIVE_URL: 'http://127.0.0.1:9', HIVE_TOKEN: 't' }, cwd });

    expect(run.code).toBe(64);
    expect(run.stderr).toBe(`hive: --dir: ${join(cwd, 'project', 'innocent.txt')} is a symlink to ${join(cwd, 'secret.txt')}, outside ${join(cwd, 'project')}; remove it or send the file with --file\n`);
  });
});

describe('hive submit against a gateway that names an artifact outside --out', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('refuses every artifact, writes nothing, and exits 65', async () => {
    const url = await startLyingGateway({ '../escaped.txt': 'gotcha', 'fine.txt': 'fine' });
    const cwd = mkdtempSync(join(tmpdir(), 'hive-cli-'));

    const run = await hive(['submit', '--role', 'developer', '--out', 'result', 'Go.'], { env: { HIVE_URL: url, HIVE_TOKEN: 'any' }, cwd });

    expect(run.code).toBe(65);
    expect(run.stdout).toBe('done\n');
    expect(run.stderr).toContain("hive: artifact name '../escaped.txt' is outside the --out directory; nothing was written\n");
    expect(readdirSync(cwd)).toEqual([]);
  });

  /** An A2A server with the gateway's card whose one task "wrote" the given files. */
  async function startLyingGateway(files: Record<string, string>): Promise<string> {
    let url = '';
    const handler: Pick<A2ARequestHandler, 'getAgentCard' | 'sendMessageStream'> = {
      getAgentCard: async () => agentCard('developer', url, '0.0.0'),
      async *sendMessageStream(params): AsyncGenerator<StreamResponse> {
        const task = submittedTask('6f1c3a52-0000-4000-8000-000000000000', 'ctx', { ...params.message!, role: Role.ROLE_USER }, { role: 'developer', client: 'alice' });
        yield { payload: { $case: 'task', value: task } };
        const done = finishedTask(task, 'succeeded', { text: 'done', files, usage: { input_tokens: 1, output_tokens: 1 }, turns: 1 }, []);
        for (const artifact of done.artifacts) {
          yield { payload: { $case: 'artifactUpdate', value: { taskId: task.id, contextId: task.contextId, artifact, append: false, lastChunk: true, metadata: undefined } } };
        }
        yield { payload: { $case: 'statusUpdate', value: { taskId: task.id, contextId: task.contextId, status: done.status, metadata: undefined } } };
      },
    };
    const requestHandler = handler as A2ARequestHandler;
    const app = express();
    app.use('/a2a/developer/.well-known/agent-card.json', agentCardHandler({ agentCardProvider: requestHandler }));
    app.use('/a2a/developer/jsonrpc', jsonRpcHandler({ requestHandler, userBuilder: UserBuilder.noAuthentication }));
    const listening = app.listen(0, '127.0.0.1');
    server = listening;
    await new Promise((resolve) => listening.once('listening', resolve));
    url = `http://127.0.0.1:${(listening.address() as AddressInfo).port}`;
    return url;
  }
});
