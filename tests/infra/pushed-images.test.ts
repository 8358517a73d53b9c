import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PushedImagesRecord, readPushedImages, writePushedImages } from '../../infra/images/pushed-images';

const DIGEST = `sha256:${'b'.repeat(64)}`;
const RECORD: PushedImagesRecord = {
  smokeTests: 'passed',
  registry: 'registry.example.com/agent-hive',
  nodeImage: `docker.io/library/node:24-bookworm-slim@${DIGEST}`,
  revision: '0123456789abcdef0123456789abcdef01234567',
  images: { base: { tag: 'ctx-0123456789abcdef0123', digest: DIGEST } },
};

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'hive-record-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the record of pushed images', () => {
  it('is written into a directory it creates and read back as written', () => {
    const file = join(dir, '.images', 'pushed.json');
    writePushedImages(file, RECORD);
    expect(readPushedImages(file)).toEqual(RECORD);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(RECORD);
  });

  it('is not written for images that did not all pass their smoke tests, or with a base by tag', () => {
    expect(() => writePushedImages(join(dir, 'a.json'), { ...RECORD, smokeTests: 'failed' } as unknown as PushedImagesRecord)).toThrow();
    expect(() => writePushedImages(join(dir, 'b.json'), { ...RECORD, nodeImage: 'node:24-bookworm-slim' })).toThrow();
  });

  it('names the file and every problem when it is not one', () => {
    const file = join(dir, 'pushed.json');
    expect(() => readPushedImages(file)).toThrow(`there is no record of tested images at ${file}`);
    writeFileSync(file, '{');
    expect(() => readPushedImages(file)).toThrow(`${file} is not JSON`);
    writeFileSync(file, JSON.stringify({ ...RECORD, images: { qa: { tag: 'ctx-0', digest: 'latest' } } }));
    expect(() => readPushedImages(file)).toThrow(`${file} is not a record of tested images: images.qa.digest: must be sha256:<64 hex digits>`);
  });
});
