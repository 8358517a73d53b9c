import { App, YamlOutputType } from 'cdk8s';
import { AGENT_ROLES, AgentRole } from '../../agent-runtime/src/contract';
import { Environment } from '../environment/environment-schema';
import { ImageTags, imageReference } from '../images/image-tags';
import { HiveChart } from './hive-chart';

/** The image each role's Deployment runs: the stack's registry and the content-hash tag. */
export function roleImages(env: Environment, tags: ImageTags): Record<AgentRole, string> {
  return Object.fromEntries(AGENT_ROLES.map((role) => [role, imageReference(env.image.registry, role, tags.roles[role])])) as Record<
    AgentRole,
    string
  >;
}

/**
 * A cdk8s App holding one environment's chart. `app.synth()` writes one file
 * per object into `outdir`; `app.synthYaml()` gives the same objects in memory
 * (the Pulumi program deploys those).
 */
export function environmentApp(env: Environment, images: Record<AgentRole, string>, outdir?: string): { app: App; chart: HiveChart } {
  const app = new App({ outdir, outputFileExtension: '.yaml', yamlOutputType: YamlOutputType.FILE_PER_RESOURCE });
  const chart = new HiveChart(app, 'agent-hive', { environment: env, images });
  return { app, chart };
}
