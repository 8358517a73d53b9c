import { describe, expect, it } from 'vitest';
import { defaultNodeImage, pushRefusal } from '../../infra/images/node-image';
import { REPO_ROOT } from '../support/repo';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('the Node base of the images', () => {
  it('is pinned by digest in the Dockerfile, so its default may be pushed', () => {
    expect(pushRefusal(defaultNodeImage(REPO_ROOT))).toBeUndefined();
  });

  it.each(['docker.io/library/node:24-bookworm-slim', 'localhost/agent-hive/node:24.21.0-bookworm-2', `node@sha256:${'a'.repeat(63)}`])(
    'refuses --push when it is %s, naming it and the fix',
    (nodeImage) => {
      expect(pushRefusal(nodeImage)).toContain(`--push needs the Node base by digest (repo@sha256:...), not ${nodeImage}`);
      expect(pushRefusal(nodeImage)).toContain('--node-image <repo>@sha256:<digest>');
    },
  );

  it('allows --push from any base given by digest, a local one included', () => {
    expect(pushRefusal(`localhost/agent-hive/node@${DIGEST}`)).toBeUndefined();
    expect(pushRefusal(`registry.example.com/mirror/node:24-bookworm-slim@${DIGEST}`)).toBeUndefined();
  });
});
