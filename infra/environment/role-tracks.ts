import { SCALABLE_ROLES, ScalableRole, STABLE_TRACK } from '../../agent-runtime/src/contract';
import { RoleTrack } from '../../agent-runtime/src/config/fleet-tracks';
import { Environment, ResourceSpec } from './environment-schema';

/** One track of a scalable role with the role's values filled in where the track sets none. */
export interface ResolvedTrack {
  readonly role: ScalableRole;
  /** `stable` for the role's own Deployment. */
  readonly track: string;
  /** Another image by digest; undefined: the role's tested image. */
  readonly image?: string;
  /** Runtime settings that differ from the environment's (the runtime ConfigMap); undefined: the environment's. */
  readonly model?: string;
  readonly maxTurns?: number;
  readonly maxTokensPerTask?: number;
  readonly concurrency: number;
  readonly resources: ResourceSpec;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** `replicas: 0`: no pod and no autoscaler. */
  readonly scaledToZero: boolean;
}

/** A role's tracks: stable first, then the others by name (so synth output does not follow the YAML's key order). */
export function roleTracks(env: Environment, role: ScalableRole): ResolvedTrack[] {
  const spec = env.roles[role];
  const stable: ResolvedTrack = {
    role,
    track: STABLE_TRACK,
    concurrency: spec.concurrency,
    resources: spec.resources,
    minReplicas: spec.minReplicas,
    maxReplicas: spec.maxReplicas,
    scaledToZero: spec.replicas === 0,
  };
  const others = Object.keys(spec.tracks)
    .sort()
    .map((track): ResolvedTrack => {
      const t = spec.tracks[track];
      return {
        ...stable,
        track,
        image: t.image,
        model: t.model,
        maxTurns: t.maxTurns,
        maxTokensPerTask: t.maxTokensPerTask,
        concurrency: t.concurrency ?? spec.concurrency,
        resources: t.resources ?? spec.resources,
        minReplicas: t.minReplicas ?? spec.minReplicas,
        maxReplicas: t.maxReplicas ?? spec.maxReplicas,
        scaledToZero: t.replicas === 0,
      };
    });
  return [stable, ...others];
}

/** Every scalable role's tracks, stable ones included. */
export function allTracks(env: Environment): ResolvedTrack[] {
  return SCALABLE_ROLES.flatMap((role) => roleTracks(env, role));
}

/** The tracks other than stable, as meta is told of them (HIVE_FLEET_TRACKS). */
export function fleetTracks(env: Environment): RoleTrack[] {
  return allTracks(env)
    .filter((t) => t.track !== STABLE_TRACK)
    .map(({ role, track }) => ({ role, track }));
}
