import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { environmentApp, workloadImages } from './chart/environment-app';
import { InvalidEnvironmentError } from './environment/invalid-environment-error';
import { listStacks, loadEnvironment } from './environment/stack-files';
import { computeImageTags } from './images/image-tags';

/** Renders every environment (one per Pulumi.<stack>.yaml) into charts-out/<env>/. */
export function synthAll(repoRoot: string, outBase: string): Record<string, number> {
  const tags = computeImageTags(repoRoot);
  const counts: Record<string, number> = {};
  // Validate every environment before writing anything, so a bad config leaves charts-out untouched.
  const environments = listStacks(repoRoot).map((stack) => loadEnvironment(repoRoot, stack));
  for (const env of environments) {
    const outdir = join(outBase, env.name);
    rmSync(outdir, { recursive: true, force: true });
    const { app, chart } = environmentApp(env, workloadImages(env, tags), outdir);
    app.synth();
    counts[env.name] = chart.node.findAll().filter((c) => 'kind' in c).length;
  }
  return counts;
}

if (require.main === module) {
  const repoRoot = resolve(__dirname, '..');
  try {
    const counts = synthAll(repoRoot, resolve(process.env.CDK8S_OUTDIR ?? join(repoRoot, 'charts-out')));
    for (const [env, count] of Object.entries(counts)) console.log(`charts-out/${env}: ${count} objects`);
  } catch (error) {
    if (!(error instanceof InvalidEnvironmentError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}
