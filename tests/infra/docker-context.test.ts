import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BASE_IMAGE_INPUTS, roleImageInputs } from '../../infra/images/image-tags';
import { AGENT_ROLES } from '../../agent-runtime/src/contract';
import { REPO_ROOT } from '../support/repo';

describe('the image build context', () => {
  it('.dockerignore allows exactly what the image tags hash (Dockerfiles aside, they are not copied)', () => {
    const lines = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
    expect(lines[0]).toBe('*');
    const allowed = lines.slice(1).map((l) => l.replace(/^!/, '')).sort();
    const copied = new Set([...BASE_IMAGE_INPUTS, ...AGENT_ROLES.flatMap(roleImageInputs)].filter((p) => !p.includes('Dockerfile')).map((p) => p.replace(/\/[^/]+\.md$/, '')));
    expect(allowed).toEqual([...copied].sort());
  });

  it('every Dockerfile COPYs only paths the context allows', () => {
    const allowed = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n').filter((l) => l.startsWith('!')).map((l) => l.slice(1));
    for (const name of ['agent-base', ...AGENT_ROLES.map((role) => `agent-${role}`), 'sandbox']) {
      const dockerfile = readFileSync(join(REPO_ROOT, 'agent-runtime', `Dockerfile.${name}`), 'utf8');
      const sources = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1].split(' '));
      for (const source of sources) expect(allowed.some((a) => source === a || source.startsWith(`${a}/`)), `${name}: ${source}`).toBe(true);
    }
  });
});
