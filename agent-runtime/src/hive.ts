#!/usr/bin/env node
import { runHive } from './cli/hive-program';

/** Entry point of the `hive` CLI (docs/cli.md): `node agent-runtime/dist/hive.js`, or `hive` once the package is installed. */
void runHive(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() }).then((code) => {
  // Not process.exit(): it could cut off output still queued for a pipe.
  process.exitCode = code;
});
