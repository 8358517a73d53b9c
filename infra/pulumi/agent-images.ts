import { join } from 'node:path';
import * as docker from '@pulumi/docker';
import * as pulumi from '@pulumi/pulumi';
import { AGENT_ROLES, AgentRole } from '../../agent-runtime/src/contract';
import { ImageTags, imageReference } from '../images/image-tags';

export interface AgentImagesArgs {
  /** Repository root: the build context of every image (.dockerignore keeps it small). */
  readonly repoRoot: string;
  /** Where images are pushed, e.g. registry.example.com/agent-hive. */
  readonly registry: string;
  /** Content-hash tags, the same synth puts into the manifests. */
  readonly tags: ImageTags;
  /** Registry credentials; without them the Docker engine's own login is used. */
  readonly registryAuth?: { readonly username: string; readonly password: pulumi.Input<string> };
}

/** The runtime base image and one image per role on top of it, built and pushed. */
export class AgentImages extends pulumi.ComponentResource {
  /** Image reference per role, as pushed. */
  readonly references: Record<AgentRole, pulumi.Output<string>>;
  /** The pushed image per role by digest (`repo@sha256:...`): what the Deployments run. */
  readonly digests: Record<AgentRole, pulumi.Output<string>>;
  readonly base: docker.Image;
  /** The pushed base image by digest: what the gateway runs (its entry point is in the base). */
  readonly baseDigest: pulumi.Output<string>;

  constructor(name: string, args: AgentImagesArgs, opts?: pulumi.ComponentResourceOptions) {
    super('agent-hive:images:AgentImages', name, {}, opts);
    const registry = args.registryAuth
      ? { server: args.registry.split('/')[0], username: args.registryAuth.username, password: args.registryAuth.password }
      : undefined;
    const dockerfile = (image: AgentRole | 'base') => join(args.repoRoot, 'agent-runtime', `Dockerfile.agent-${image}`);

    this.base = new docker.Image(
      'agent-base',
      {
        imageName: imageReference(args.registry, 'base', args.tags.base),
        build: { context: args.repoRoot, dockerfile: dockerfile('base'), platform: 'linux/amd64' },
        registry,
      },
      { parent: this },
    );
    const roleImages = AGENT_ROLES.map(
      (role) =>
        [
          role,
          new docker.Image(
            `agent-${role}`,
            {
              imageName: imageReference(args.registry, role, args.tags.roles[role]),
              build: { context: args.repoRoot, dockerfile: dockerfile(role), platform: 'linux/amd64', args: { BASE: this.base.imageName } },
              registry,
            },
            { parent: this, dependsOn: [this.base] },
          ),
        ] as const,
    );
    this.references = Object.fromEntries(roleImages.map(([role, image]) => [role, image.imageName])) as Record<AgentRole, pulumi.Output<string>>;
    this.digests = Object.fromEntries(roleImages.map(([role, image]) => [role, pushedDigest(image)])) as Record<AgentRole, pulumi.Output<string>>;
    this.baseDigest = pushedDigest(this.base);
    this.registerOutputs({ references: this.references, digests: this.digests, baseDigest: this.baseDigest });
  }
}

/** A tag can be rebuilt and re-pushed; a digest names exactly one image. Local-only builds have none to deploy. */
function pushedDigest(image: docker.Image): pulumi.Output<string> {
  return pulumi.all([image.imageName, image.repoDigest]).apply(([name, digest]) => {
    if (!digest?.includes('@sha256:')) throw new Error(`${name} has no registry digest (${digest ?? 'none'}): it was not pushed, so no Deployment can run it by digest`);
    return digest;
  });
}

