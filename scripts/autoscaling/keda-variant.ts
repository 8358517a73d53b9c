import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { environmentApp, workloadImages } from '../../infra/chart/environment-app';
import { SCALE_TO_ZERO_ROLES } from '../../infra/environment/environment-schema';
import { ENVIRONMENT_CONFIG_KEY, parseEnvironment } from '../../infra/environment/parse-environment';
import { computeImageTags } from '../../infra/images/image-tags';

/**
 * The environment as `autoscaling.engine: keda` would render it, architect and qa from zero,
 * synthesized by the constructs into a temporary directory: the ScaledObjects the simulation
 * reads are the ones a switch of engine would deploy.
 */
export function synthKedaVariant(repoRoot: string, stack: string): string {
  const doc = parse(readFileSync(join(repoRoot, `Pulumi.${stack}.yaml`), 'utf8'));
  const raw = structuredClone(doc.config[ENVIRONMENT_CONFIG_KEY]);
  raw.autoscaling = { ...raw.autoscaling, engine: 'keda', keda: { prometheusUrl: 'http://prometheus.monitoring.svc:9090' } };
  for (const role of SCALE_TO_ZERO_ROLES) raw.roles[role].minReplicas = 0;
  const env = parseEnvironment(stack, raw);
  const outdir = mkdtempSync(join(tmpdir(), `keda-${stack}-`));
  environmentApp(env, workloadImages(env, computeImageTags(repoRoot)), join(outdir, stack)).app.synth();
  return outdir;
}
