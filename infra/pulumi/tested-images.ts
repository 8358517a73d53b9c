import * as docker from '@pulumi/docker';
import * as pulumi from '@pulumi/pulumi';
import { BUILT_IMAGES, BuiltImage, computeImageTags, imageReference, ImageTags, tagsByImage } from '../images/image-tags';
import { defaultNodeImage } from '../images/node-image';
import { PushedImagesRecord, readPushedImages } from '../images/pushed-images';


export interface TestedImagesArgs {
  /** The repository root: the tree whose content tags the recorded images must carry. */
  readonly repoRoot: string;
  /** The record a passing `npm run images -- --push` wrote. */
  readonly recordPath: string;
  /** The stack's registry; the record must be of a push there. */
  readonly registry: string;
  /** The stack, for the command the refusals tell to run. */
  readonly stack: string;
  /** Credentials to read a private registry; without them the provider uses the Docker config's login. */
  readonly registryAuth?: { readonly username: string; readonly password: pulumi.Input<string> };
}

/**
 * The images `npm run images -- --push` built, smoke-tested and pushed, and
 * nothing else: the program builds no image. It refuses a record that is
 * missing, of another registry, not of a passing run, or of another tree than
 * this one, and an image whose tag the registry no longer resolves to the
 * recorded digest.
 */
export class TestedImages extends pulumi.ComponentResource {
  /** The tags the images were tested under: this tree's content tags for the base they were built on. */
  readonly tags: ImageTags;
  /** Each image by its tested digest (`repo@sha256:…`), once the registry confirmed its tag still points there. */
  readonly digests: Readonly<Record<BuiltImage, pulumi.Output<string>>>;

  constructor(name: string, args: TestedImagesArgs, opts?: pulumi.ComponentResourceOptions) {
    const fix = `run \`npm run images -- --stack ${args.stack} --push\`: pulumi up deploys only the images a passing run of it recorded`;
    // Checked before anything is registered: a refused record creates nothing.
    const { record, expected, tags } = checkedRecord(args, fix);

    super('agent-hive:images:TestedImages', name, {}, opts);
    this.tags = tags;
    if (record.nodeImage !== defaultNodeImage(args.repoRoot)) {
      pulumi.log.warn(`the images were built FROM ${record.nodeImage}, not the Node base Dockerfile.agent-base pins`, this);
    }
    const provider = args.registryAuth
      ? new docker.Provider(
          'registry',
          { registryAuth: [{ address: args.registry.split('/')[0], username: args.registryAuth.username, password: args.registryAuth.password }] },
          { parent: this },
        )
      : undefined;
    const verified = (image: BuiltImage): pulumi.Output<string> => {
      const tagged = imageReference(args.registry, image, expected[image]);
      const tested = record.images[image].digest;
      return docker.getRegistryImageOutput({ name: tagged }, { parent: this, provider }).sha256Digest.apply((current) => {
        // A tag can be pushed over; the digest is what passed the smoke test, so the tag must still lead to it.
        if (current !== tested) {
          throw new Error(`Cannot deploy agent-${image}: ${tagged} now points at ${current}, not at the tested ${tested}: the tag moved since it was tested; ${fix}`);
        }
        return `${tagged.slice(0, tagged.lastIndexOf(':'))}@${tested}`;
      });
    };
    this.digests = Object.fromEntries(BUILT_IMAGES.map((image) => [image, verified(image)])) as Record<BuiltImage, pulumi.Output<string>>;
    this.registerOutputs({ digests: this.digests });
  }
}

/** The record, if it is of a passing push to this stack's registry of exactly this tree; else throws why not. */
function checkedRecord(args: TestedImagesArgs, fix: string): { record: PushedImagesRecord; expected: Record<BuiltImage, string>; tags: ImageTags } {
  let record: PushedImagesRecord;
  try {
    record = readPushedImages(args.recordPath);
  } catch (error) {
    throw new Error(`Cannot deploy: ${(error as Error).message}; ${fix}`);
  }
  if (record.registry !== args.registry) {
    throw new Error(`Cannot deploy: ${args.recordPath} records a push to ${record.registry}, not to this stack's registry ${args.registry}; ${fix}`);
  }
  const tags = computeImageTags(args.repoRoot, { nodeImage: record.nodeImage });
  const expected = tagsByImage(tags);
  for (const image of Object.keys(expected) as BuiltImage[]) {
    const recorded = record.images[image];
    if (!recorded) throw new Error(`Cannot deploy agent-${image}: ${args.recordPath} has no such image; ${fix}`);
    if (recorded.tag !== expected[image]) {
      throw new Error(`Cannot deploy agent-${image}: ${args.recordPath} holds ${recorded.tag}, but this tree builds ${expected[image]}: the runtime changed since it was tested; ${fix}`);
    }
  }
  return { record, expected, tags };
}
