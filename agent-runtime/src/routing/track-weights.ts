import { LEGACY_TRACK, routedTrackProblem, STABLE_TRACK } from '../contract';

/** Percent of a role's new tasks per track, in the fixed order (by name) that task ids are placed against. */
export type TrackWeights = ReadonlyArray<{ readonly track: string; readonly percent: number }>;

/** What a role without weights gets. */
export const ALL_STABLE: TrackWeights = [{ track: STABLE_TRACK, percent: 100 }];

/** Weights that cannot be applied; the message says why. */
export class TrackWeightsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrackWeightsError';
  }
}

/** Validates weights as stored in the role's hash (track -> whole percent, `legacy` included); none means everything to stable. */
export function parseWeights(stored: Readonly<Record<string, string | number>>): TrackWeights {
  const weights = Object.entries(stored)
    .map(([track, value]) => {
      const problem = routedTrackProblem(track);
      if (problem) throw new TrackWeightsError(problem);
      if (!/^\d{1,3}$/.test(String(value)) || Number(value) > 100) throw new TrackWeightsError(`the weight of \`${track}\` must be a whole percent from 0 to 100, got \`${value}\``);
      return { track, percent: Number(value) };
    })
    .sort((a, b) => (a.track < b.track ? -1 : 1));
  if (weights.length === 0) return ALL_STABLE;
  const total = weights.reduce((sum, { percent }) => sum + percent, 0);
  if (total !== 100) throw new TrackWeightsError(`the weights must sum to 100, got ${total} (${formatWeights(weights)})`);
  return weights;
}

export function formatWeights(weights: TrackWeights): string {
  return weights.map(({ track, percent }) => `${track}=${percent}`).join(' ');
}

/**
 * The weights as `route-task.lua` places a point of [0, 100) against them:
 * track, cumulative percent, ... for the tracks with a share, in order. The
 * last one ends at exactly 100, so spread shares that round (33.33...) leave no gap.
 */
export function placementArgs(weights: TrackWeights): string[] {
  const shared = weights.filter(({ percent }) => percent > 0);
  let cumulative = 0;
  return shared.flatMap(({ track, percent }, i) => [track, String(i === shared.length - 1 ? 100 : (cumulative += percent))]);
}

/** The percent the weights give the legacy track (the old system's list). */
export function legacyPercent(weights: TrackWeights): number {
  return weights.find(({ track }) => track === LEGACY_TRACK)?.percent ?? 0;
}

/**
 * The weights among the fleet's own tracks: the legacy share spread over the
 * others in their proportions (all to stable when nothing else is left). For
 * producers that need a task's result, which the old system never writes.
 */
export function fleetWeights(weights: TrackWeights): TrackWeights {
  const fleet = weights.filter(({ track, percent }) => track !== LEGACY_TRACK && percent > 0);
  const total = fleet.reduce((sum, { percent }) => sum + percent, 0);
  if (total === 0) return ALL_STABLE;
  return total === 100 ? fleet : fleet.map(({ track, percent }) => ({ track, percent: (percent * 100) / total }));
}
