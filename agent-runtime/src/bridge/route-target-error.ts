/**
 * A target of the bridge holds another type of key than it writes (e.g. a
 * stream where the old workers' list should be): the entry stays in the
 * processing list, and the bridge retries until the key is fixed.
 */
export class RouteTargetError extends Error {
  constructor(track: string, target: string, expected: string, actual: string) {
    super(`the \`${track}\` track's target \`${target}\` is a ${actual}, not a ${expected}; the entry stays in processing until the key is fixed`);
    this.name = 'RouteTargetError';
  }
}
