import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BASE_IMAGE_INPUTS, computeImageTags, roleImageInputs, SANDBOX_IMAGE_INPUTS } from '../../infra/images/image-tags';
import { defaultNodeImage } from '../../infra/images/node-image';
import { REPO_ROOT } from '../support/repo';

let copy: string;
beforeEach(() => {
  copy = mkdtempSync(join(tmpdir(), 'hive-tags-'));
  for (const input of [...BASE_IMAGE_INPUTS, ...['architect', 'developer', 'qa', 'meta'].flatMap((r) => roleImageInputs(r as 'qa')), ...SANDBOX_IMAGE_INPUTS]) {
    try {
      cpSync(join(REPO_ROOT, input), join(copy, input), { recursive: true });
    } catch {
      // an input that does not exist yet hashes as absent, in both trees
    }
  }
});
afterEach(() => rmSync(copy, { recursive: true, force: true }));

describe('image tags', () => {
  it('are content hashes: the same inputs give the same tags wherever the tree lives', () => {
    expect(computeImageTags(copy)).toEqual(computeImageTags(REPO_ROOT));
    expect(computeImageTags(REPO_ROOT).base).toMatch(/^ctx-[0-9a-f]{20}$/);
  });

  it('change every tag when the runtime source changes', () => {
    const before = computeImageTags(copy);
    appendFileSync(join(copy, 'agent-runtime/src/contract.ts'), '\n// changed\n');
    const after = computeImageTags(copy);
    expect(after.base).not.toBe(before.base);
    for (const role of ['architect', 'developer', 'qa', 'meta'] as const) expect(after.roles[role]).not.toBe(before.roles[role]);
  });

  it("change only one role's tag when only its prompt changes", () => {
    const before = computeImageTags(copy);
    writeFileSync(join(copy, 'agent-runtime/prompts/qa.md'), 'a new qa prompt');
    const after = computeImageTags(copy);
    expect(after.base).toBe(before.base);
    expect(after.roles.qa).not.toBe(before.roles.qa);
    expect(after.roles.developer).toBe(before.roles.developer);
  });

  it('change every tag when the Node base is overridden, and differ per base', () => {
    const canonical = computeImageTags(copy);
    const local = computeImageTags(copy, { nodeImage: `localhost/agent-hive/node@sha256:${'1'.repeat(64)}` });
    const other = computeImageTags(copy, { nodeImage: `localhost/agent-hive/node@sha256:${'2'.repeat(64)}` });
    expect(local.base).not.toBe(canonical.base);
    expect(other.base).not.toBe(local.base);
    for (const role of ['architect', 'developer', 'qa', 'meta'] as const) expect(local.roles[role]).not.toBe(canonical.roles[role]);
  });

  it("are the canonical ones when the override is the Dockerfile's own default", () => {
    expect(defaultNodeImage(copy)).toMatch(/^docker\.io\/library\/node:24-bookworm-slim@sha256:[0-9a-f]{64}$/);
    expect(computeImageTags(copy, { nodeImage: defaultNodeImage(copy) })).toEqual(computeImageTags(copy));
  });

  it("change every tag when the Dockerfile's pinned base changes", () => {
    const before = computeImageTags(copy);
    const dockerfile = join(copy, 'agent-runtime/Dockerfile.agent-base');
    writeFileSync(dockerfile, readFileSync(dockerfile, 'utf8').replace(/@sha256:[0-9a-f]{64}/, `@sha256:${'3'.repeat(64)}`));
    const after = computeImageTags(copy);
    expect(after.base).not.toBe(before.base);
    expect(after.roles.qa).not.toBe(before.roles.qa);
  });

  it("change only the sandbox's tag when only its Dockerfile changes, and the sandbox's too when the runtime changes", () => {
    const before = computeImageTags(copy);
    appendFileSync(join(copy, 'agent-runtime/Dockerfile.sandbox'), '\n# changed\n');
    const after = computeImageTags(copy);
    expect(after.sandbox).not.toBe(before.sandbox);
    expect({ ...after, sandbox: undefined }).toEqual({ ...before, sandbox: undefined });
    appendFileSync(join(copy, 'agent-runtime/src/contract.ts'), '\n// changed\n');
    expect(computeImageTags(copy).sandbox).not.toBe(after.sandbox);
  });

  it('ignore files outside the build inputs (tests, infra, build output)', () => {
    const before = computeImageTags(copy);
    writeFileSync(join(copy, 'README.md'), 'docs');
    expect(computeImageTags(copy)).toEqual(before);
  });
});
