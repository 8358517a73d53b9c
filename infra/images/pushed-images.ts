import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { isPinnedByDigest } from './node-image';

/** Where `npm run images -- --push` records what it pushed, from the repository root (gitignored). */
export const PUSHED_IMAGES_RECORD = '.images/pushed.json';

const DIGEST = /^sha256:[0-9a-f]{64}$/;

const pushedImage = z
  .object({
    /** The content-hash tag it was built and pushed under. */
    tag: z.string().min(1),
    /** The manifest digest the push produced, `sha256:…`. */
    digest: z.string().regex(DIGEST, 'must be sha256:<64 hex digits>'),
  })
  .strict();

const record = z
  .object({
    /** Written only after every smoke test passed: a record without it is not of tested images. */
    smokeTests: z.literal('passed', { errorMap: () => ({ message: 'must be "passed": it is written only once every smoke test passed' }) }),
    /** Where the images were pushed, e.g. registry.example.com/agent-hive. */
    registry: z.string().min(1),
    /** The Node base the images were built FROM, by digest. */
    nodeImage: z.string().refine(isPinnedByDigest, 'must name the Node base by digest'),
    /** The git revision the images were built from (their OCI revision label). */
    revision: z.string().min(1),
    /** Per image (`base` and each role): its tag and digest. */
    images: z.record(z.string(), pushedImage),
  })
  .strict();

export type PushedImagesRecord = z.infer<typeof record>;
export type PushedImage = z.infer<typeof pushedImage>;

/** Writes the record of a push whose images all passed their smoke tests. */
export function writePushedImages(file: string, pushed: PushedImagesRecord): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(record.parse(pushed), null, 2)}\n`);
}

/** Reads a record, or throws with the file and every problem of its shape. */
export function readPushedImages(file: string): PushedImagesRecord {
  if (!existsSync(file)) throw new Error(`there is no record of tested images at ${file}`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file} is not JSON (${(error as Error).message})`);
  }
  const result = record.safeParse(json);
  if (!result.success) throw new Error(`${file} is not a record of tested images: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return result.data;
}
