import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PATCH_ARTIFACT } from '../../agent-runtime/src/gateway/a2a-task';
import { text, toolUse, turnOf } from '../support/fake-messages-api';
import { useGateway } from '../support/gateway-fixture';
import { BareRepository } from '../support/git-repository';
import { hive } from '../support/hive-cli';
import { usePodSandbox } from '../support/sandbox-fixture';

const fleet = useGateway('sqlite');
const pod = usePodSandbox(fleet);
const repositories: BareRepository[] = [];
afterEach(() => repositories.splice(0).forEach((r) => r.remove()));

describe('hive submit --repo', () => {
  it("starts from the repository's default branch and writes the patch as changes.patch into --out", async () => {
    const repo = BareRepository.create({ 'VERSION': '1.0.0\n' });
    repositories.push(repo);
    await fleet.api((request) => (turnOf(request) === 1 ? toolUse('run_command', { command: 'echo 1.0.1 > VERSION' }) : text('Bumped.')));
    await pod.startSandbox();
    await pod.startCodingAgent('developer', 'dev-cli');
    const gateway = await fleet.startGateway();
    const cwd = mkdtempSync(join(tmpdir(), 'hive-cli-repo-'));

    const run = await hive(['submit', '--role', 'developer', '--repo', repo.url, '--out', 'result', 'Bump', 'the', 'version.'], {
      env: { HIVE_URL: gateway.url, HIVE_TOKEN: fleet.tokens.alice },
      cwd,
    });

    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe('Bumped.\n');
    const applied = repo.applyToFreshClone(readFileSync(join(cwd, 'result', PATCH_ARTIFACT), 'utf8'));
    expect(readFileSync(join(applied, 'VERSION'), 'utf8')).toBe('1.0.1\n');
  });
});
