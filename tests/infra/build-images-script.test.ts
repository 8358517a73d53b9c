import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AGENT_ROLES } from '../../agent-runtime/src/contract';
import { computeImageTags, imageReference } from '../../infra/images/image-tags';
import { REPO_ROOT } from '../support/repo';

/** `npm run images -- <args>` as a child process; with --dry-run and --node-image it runs no container engine. */
function images(...args: string[]) {
  const result = spawnSync(join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), ['scripts/build-images.ts', '--engine', 'buildah', ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('npm run images', () => {
  it('refuses --push with a Node base by tag, before building anything', () => {
    const run = images('--dry-run', '--push', '--node-image', 'docker.io/library/node:24-bookworm-slim');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('--push needs the Node base by digest (repo@sha256:...), not docker.io/library/node:24-bookworm-slim');
    expect(run.stdout).not.toContain('build ');
  });

  it('plans a push from a base by digest, under the tags of that base (the sandbox image too), recording the digests', () => {
    const nodeImage = `localhost/agent-hive/node@sha256:${'c'.repeat(64)}`;
    const run = images('--dry-run', '--push', '--stack', 'staging', '--node-image', nodeImage);
    expect(run.code, run.stderr).toBe(0);
    const tags = computeImageTags(REPO_ROOT, { nodeImage });
    expect(tags.base).not.toBe(computeImageTags(REPO_ROOT).base);
    const registry = 'registry.staging.example.com/agent-hive';
    expect(run.stdout).toContain(`Node base ${nodeImage}`);
    expect(run.stdout).toContain(`build ${imageReference(registry, 'base', tags.base)}`);
    for (const role of AGENT_ROLES) expect(run.stdout).toContain(`build ${imageReference(registry, role, tags.roles[role])}`);
    expect(run.stdout).toContain(`build ${imageReference(registry, 'sandbox', tags.sandbox)}`);
    expect(run.stdout).toContain('record their digests in .images/pushed.json');
  });
});
