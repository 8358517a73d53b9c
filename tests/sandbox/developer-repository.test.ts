import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hiveKeys, METRICS } from '../../agent-runtime/src/contract';
import { taskRoot } from '../../agent-runtime/src/sandbox/task-directories';
import { waitFor } from '../support/agent-process';
import { text, toolResults, toolUse, turnOf } from '../support/fake-messages-api';
import { BareRepository } from '../support/git-repository';
import { enqueue, waitForResults } from '../support/hive-streams';
import { useSandboxHive } from '../support/sandbox-fixture';
import { SANDBOX_ID } from '../support/sandbox-users';

const hive = useSandboxHive();
const repositories: BareRepository[] = [];
afterEach(() => repositories.splice(0).forEach((r) => r.remove()));

const PACKAGE = { name: 'demo', version: '1.0.0', private: true, scripts: { test: 'node test.js' } };
const BINARY = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0xff, 0x00, 0x10]);
const CLONE_TOKEN = 'git-clone-token-5f1e2d';
const PUSH_TOKEN = 'git-push-token-9a8b7c';

describe('a developer task on a repository', () => {
  it('clones the ref, edits, runs npm test in the sandbox, and returns a patch that git apply accepts on a fresh clone (pushing is tested over HTTPS, where tokens go)', async () => {
    const repo = BareRepository.create(
      {
        'package.json': JSON.stringify(PACKAGE, null, 2),
        'greet.js': "module.exports = () => 'hello';\n",
        'test.js': "const assert = require('assert');\nassert.strictEqual(require('./greet')(), 'hello, world');\nconsole.log('greet ok');\n",
        'old.txt': 'to be deleted\n',
      },
      SANDBOX_ID,
    );
    repositories.push(repo);
    let npmResult = '';
    const api = await hive.api((request) => {
      switch (turnOf(request)) {
        case 1:
          return toolUse('edit_file', { path: 'greet.js', old_string: "'hello'", new_string: "'hello, world'" });
        case 2:
          return toolUse('write_file', { path: 'assets/logo.bin', content: BINARY.toString('base64'), encoding: 'base64' });
        case 3:
          return toolUse('run_command', { command: 'rm old.txt && npm test' });
        default:
          npmResult = toolResults(request)[0].content;
          return text('Greeting fixed; npm test passes.');
      }
    });
    await hive.startSandbox();
    const agent = await hive.startCodingAgent('developer', 'agent-developer-sbx', { HIVE_GIT_TOKEN: CLONE_TOKEN, HIVE_GIT_PUSH_TOKEN: PUSH_TOKEN });
    await agent.waitForReadiness(200);

    const client = hive.client();
    await enqueue(client, 'developer', 'task-repo', { instructions: 'Make the greeting say hello, world.', repo: { url: repo.url, ref: 'main' } });
    const [result] = await waitForResults(client, 1, 30_000);

    expect(result.status, JSON.stringify(result.output)).toBe('succeeded');
    expect(npmResult).toMatch(/^exit code 0\n/);
    expect(npmResult).toContain('greet ok');
    expect(api.requests[0].body.tools!.map((t) => t.name)).toContain('run_command');
    expect(JSON.stringify(api.requests[0].body.messages[0].content)).toContain(`The workspace is a checkout of ${repo.url} at main. Your changes to it are returned as a patch.`);
    const output = result.output as typeof result.output & Record<string, unknown>;
    expect(output.baseCommit).toBe(repo.commit);
    expect(output.commands).toMatchObject({ count: 1, refused: 0 });
    expect(output.patchBytes).toBe(Buffer.byteLength(output.patch as string));

    // The patch carries the edit, the deletion the command made, and the binary file.
    const applied = repo.applyToFreshClone(output.patch as string);
    expect(readFileSync(join(applied, 'greet.js'), 'utf8')).toBe("module.exports = () => 'hello, world';\n");
    expect(readdirSync(applied)).not.toContain('old.txt');
    expect(readFileSync(join(applied, 'assets/logo.bin'))).toEqual(BINARY);

    // The command is in the task's progress events and in the metrics.
    const events = await client.xrange(hiveKeys().events('task-repo'), '-', '+');
    const turns = events.map(([, fields]) => JSON.parse(fields[fields.indexOf('data') + 1]) as { commands?: Array<{ command: string; outcome: string; exitCode: number }> });
    expect(turns.flatMap((t) => t.commands ?? [])).toEqual([expect.objectContaining({ command: 'rm old.txt && npm test', outcome: 'succeeded', exitCode: 0 })]);
    const metrics = await agent.metrics();
    expect(metrics).toContain(`${METRICS.toolCommandsTotal}{role="developer",outcome="succeeded",track="stable"} 1`);
    expect(metrics).toMatch(new RegExp(`${METRICS.toolCommandDurationSeconds}_count\\{track="stable",role="developer"\\} 1`));

    // Tokens never reach a result, a log line or the metrics; the task's directory is gone.
    const everything = JSON.stringify(result) + JSON.stringify(agent.logs) + metrics;
    expect(everything).not.toContain(CLONE_TOKEN);
    expect(everything).not.toContain(PUSH_TOKEN);
    await waitFor(() => readdirSync(taskRoot(hive.volumes.workspace)).length === 0, 3_000, 'the task directory removed');
  });
});
