import { App, YamlOutputType } from 'cdk8s';
import { AGENT_ROLES, AgentRole } from '../../agent-runtime/src/contract';
import { Environment } from '../environment/environment-schema';
import { ImageTags, imageReference } from '../images/image-tags';
import { HiveChart, WorkloadImages } from './hive-chart';

/**
 * The images the Deployments run: the stack's registry and the content-hash
 * tags. Each role has its image; the gateway runs the base image they are built
 * on, which holds its entry point too; the sandbox sidecar runs the sandbox
 * image, or the environment's own toolchain image (by digest).
 */
export function workloadImages(env: Environment, tags: ImageTags): WorkloadImages {
  const roles = Object.fromEntries(AGENT_ROLES.map((role) => [role, imageReference(env.image.registry, role, tags.roles[role])])) as Record<AgentRole, string>;
  return {
    ...roles,
    gateway: imageReference(env.image.registry, 'base', tags.base),
    sandbox: env.sandbox?.image ?? imageReference(env.image.registry, 'sandbox', tags.sandbox),
  };
}

/**
 * A cdk8s App holding one environment's chart. `app.synth()` writes one file
 * per object into `outdir`; `app.synthYaml()` gives the same objects in memory
 * (the Pulumi program deploys those).
 */
export function environmentApp(env: Environment, images: WorkloadImages, outdir?: string): { app: App; chart: HiveChart } {
  const app = new App({ outdir, outputFileExtension: '.yaml', yamlOutputType: YamlOutputType.FILE_PER_RESOURCE });
  const chart = new HiveChart(app, 'agent-hive', { environment: env, images });
  return { app, chart };
}
