import { ENV, SCALABLE_ROLES, ScalableRole, STABLE_TRACK, trackNameProblem } from '../contract';
import { ConfigError } from './config-error';

/** A role's track other than stable, as the fleet runs it. */
export interface RoleTrack {
  readonly role: ScalableRole;
  readonly track: string;
}

/**
 * HIVE_FLEET_TRACKS as the manifests render it: `developer:green,qa:canary`.
 * Meta learns the track streams from it rather than by SCAN, which a Redis
 * Cluster answers per node.
 */
export function formatFleetTracks(tracks: readonly RoleTrack[]): string {
  return tracks.map(({ role, track }) => `${role}:${track}`).join(',');
}

/** The pairs of HIVE_FLEET_TRACKS (unset or empty: none); a bad pair throws a ConfigError naming it. */
export function parseFleetTracks(raw: string | undefined): RoleTrack[] {
  if (raw === undefined || raw.trim() === '') return [];
  const tracks: RoleTrack[] = [];
  for (const pair of raw.split(',').map((p) => p.trim())) {
    const problem = (reason: string) => new ConfigError(`Expected \`${ENV.fleetTracks}\` to list <role>:<track> pairs separated by commas: ${reason}`);
    const [role, track, ...rest] = pair.split(':');
    if (track === undefined || rest.length > 0) throw problem(`\`${pair}\` is not <role>:<track>`);
    if (!(SCALABLE_ROLES as readonly string[]).includes(role)) {
      throw problem(`\`${pair}\`: the role must be one of ${SCALABLE_ROLES.join(', ')} (meta has no tracks)`);
    }
    if (track === STABLE_TRACK) throw problem(`\`${pair}\`: the stable track is always included, list only the others`);
    const nameProblem = trackNameProblem(track);
    if (nameProblem) throw problem(`\`${pair}\`: ${nameProblem}`);
    if (tracks.some((t) => t.role === role && t.track === track)) throw problem(`\`${pair}\` is listed twice`);
    tracks.push({ role: role as ScalableRole, track });
  }
  return tracks;
}
