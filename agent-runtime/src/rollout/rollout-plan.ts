import { AGENT_ROLES, AgentRole, isAgentRole, LEGACY_TRACK, routedTrackProblem, STABLE_TRACK } from '../contract';
import { ConfigError } from '../config/config-error';
import { parseDuration } from './duration';
import { Gate, GATE_OPS, GateOp, GateOverride, resolveGates } from './rollout-gates';

/** A rollout as it runs and as its state keeps it (README: "Rolling out a new model or prompt"). */
export interface RolloutPlan {
  readonly role: AgentRole;
  /** The track that has the role's tasks now. */
  readonly from: string;
  /** The track that gets them step by step. */
  readonly to: string;
  /** The new track's percent at each step, increasing, ending at 100. */
  readonly steps: readonly number[];
  /** How long each step runs before its gates decide. */
  readonly soakMs: number;
  /** How often the gates are asked during a step (a failure rolls back at once). */
  readonly checkEveryMs: number;
  /** The default range of the gates' rates. */
  readonly windowMs: number;
  /** The lock's expiry; the running rollout renews it every third of it. */
  readonly lockTtlMs: number;
  /** Where the gates are asked. */
  readonly prometheusUrl: string;
  readonly gates: readonly Gate[];
}

/** A plan as written in a `--plan` file, or gathered from flags (which win): durations as text, e.g. `5m`. */
export interface PlanInput {
  readonly role?: string;
  readonly from?: string;
  readonly to?: string;
  readonly steps?: string | readonly number[];
  readonly soak?: string;
  readonly checkEvery?: string;
  readonly window?: string;
  readonly lockTtl?: string;
  readonly prometheus?: string;
  /** By gate name: a default's new threshold, op or window, a gate of its own (query, op, threshold), or null to drop a default. */
  readonly gates?: Readonly<Record<string, { query?: string; op?: string; threshold?: number; window?: string } | null>>;
}

export const PLAN_DEFAULTS = { from: STABLE_TRACK, steps: [25, 50, 75, 100], soak: '5m', checkEvery: '30s', window: '5m', lockTtl: '30s' } as const;
const PLAN_FIELDS = ['role', 'from', 'to', 'steps', 'soak', 'checkEvery', 'window', 'lockTtl', 'prometheus', 'gates'];

function fail(message: string): never {
  throw new ConfigError(`plan: ${message}`);
}

function duration(field: string, text: unknown): number {
  const ms = typeof text === 'string' ? parseDuration(text) : undefined;
  if (ms === undefined || ms <= 0) fail(`\`${field}\` must be a duration such as 30s, 5m or 1h, got \`${String(text)}\``);
  return ms;
}

function track(field: string, name: unknown): string {
  if (typeof name !== 'string') fail(`\`${field}\` must name a track, got \`${String(name)}\``);
  const problem = routedTrackProblem(name);
  if (problem) fail(`\`${field}\`: ${problem}`);
  return name;
}

/** The URL is printed and kept in the rollout's state: no credentials in it (fetch would refuse them anyway). A ConfigError says why not. */
export function checkPrometheusUrl(text: string): void {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (!url || !['http:', 'https:'].includes(url.protocol)) fail(`\`prometheus\` must be an http(s) URL, got \`${text}\``);
  if (url.username || url.password) fail('`prometheus` must not carry credentials: they would be printed and stored with the plan');
}

function steps(value: string | readonly number[]): number[] {
  const list = typeof value === 'string' ? value.split(',').map((s) => (/^\s*\d+\s*$/.test(s) ? Number(s) : Number.NaN)) : [...value];
  const increasing = list.every((p, i) => Number.isInteger(p) && p >= 1 && p <= 100 && (i === 0 || p > list[i - 1]));
  if (list.length === 0 || !increasing || list.at(-1) !== 100) fail(`\`steps\` must be increasing whole percents from 1 to 100, ending at 100, got \`${String(value)}\``);
  return list;
}

function gateOverrides(gates: PlanInput['gates']): Record<string, GateOverride | null> {
  if (gates === undefined) return {};
  if (typeof gates !== 'object' || gates === null || Array.isArray(gates)) fail('`gates` must be an object of gate name -> { query, op, threshold, window } or null');
  const overrides: Record<string, GateOverride | null> = {};
  for (const [name, gate] of Object.entries(gates)) {
    if (gate === null) {
      overrides[name] = null;
      continue;
    }
    const field = `gates.${name}`;
    if (typeof gate !== 'object' || Array.isArray(gate)) fail(`\`${field}\` must be an object or null`);
    const unknown = Object.keys(gate).find((key) => !['query', 'op', 'threshold', 'window'].includes(key));
    if (unknown) fail(`\`${field}.${unknown}\` is not a gate field (query, op, threshold, window)`);
    if (gate.query !== undefined && (typeof gate.query !== 'string' || gate.query.trim() === '')) fail(`\`${field}.query\` must be a PromQL query`);
    if (gate.op !== undefined && !GATE_OPS.includes(gate.op as GateOp)) fail(`\`${field}.op\` must be ${GATE_OPS.map((op) => `'${op}'`).join(', ')}, got \`${gate.op}\``);
    if (gate.threshold !== undefined && (typeof gate.threshold !== 'number' || !Number.isFinite(gate.threshold))) fail(`\`${field}.threshold\` must be a number, got \`${String(gate.threshold)}\``);
    overrides[name] = {
      query: gate.query,
      op: gate.op as GateOverride['op'],
      threshold: gate.threshold,
      windowMs: gate.window === undefined ? undefined : duration(`${field}.window`, gate.window),
    };
  }
  return overrides;
}

/**
 * The plan from a file's JSON and the flags (a flag wins over the file),
 * defaults filled in and every value checked: a ConfigError names the field.
 */
export function resolvePlan(file: unknown, flags: PlanInput): RolloutPlan {
  if (file !== undefined && (typeof file !== 'object' || file === null || Array.isArray(file))) fail('the plan file must hold a JSON object');
  const unknown = Object.keys(file ?? {}).find((key) => !PLAN_FIELDS.includes(key));
  if (unknown) fail(`\`${unknown}\` is not a plan field (${PLAN_FIELDS.join(', ')})`);
  const defined = Object.fromEntries(Object.entries(flags).filter(([, value]) => value !== undefined));
  const input: PlanInput = { ...(file as PlanInput | undefined), ...defined };

  if (input.role === undefined) fail('`role` is required (--role)');
  if (!isAgentRole(input.role)) fail(`\`role\` must be one of ${AGENT_ROLES.join(', ')}, got \`${input.role}\``);
  if (input.to === undefined) fail('`to` is required (--to)');
  const role = input.role;
  const to = track('to', input.to);
  const from = track('from', input.from ?? PLAN_DEFAULTS.from);
  if (to === from) fail(`\`to\` and \`from\` must differ, both are \`${to}\``);
  // Agents serve every track but legacy; going back to the old system is what rollback does.
  if (to === LEGACY_TRACK) fail(`\`to\` cannot be \`${LEGACY_TRACK}\`: a rollout moves work to the fleet; \`hive rollout rollback\` gives it back`);
  // The gateway spreads the legacy share over the fleet's other tracks: any new track but stable would get all its tasks at the first step.
  if (from === LEGACY_TRACK && to !== STABLE_TRACK) fail(`\`from: ${LEGACY_TRACK}\` needs \`to: ${STABLE_TRACK}\`, got \`${to}\`: the gateway sends the legacy share to the fleet's other tracks, so \`${to}\` would get every gateway task at the first step; migrate to ${STABLE_TRACK}, then roll out \`--from ${STABLE_TRACK} --to ${to}\``);
  if (input.prometheus === undefined || input.prometheus === '') fail('`prometheus` is required (--prometheus, or PROMETHEUS_URL)');
  checkPrometheusUrl(input.prometheus);

  const soakMs = duration('soak', input.soak ?? PLAN_DEFAULTS.soak);
  const windowMs = duration('window', input.window ?? PLAN_DEFAULTS.window);
  const gates = resolveGates({ role, from, to }, windowMs, gateOverrides(input.gates));
  const incomplete = gates.find((gate) => Number.isNaN(gate.threshold));
  if (incomplete) fail(`\`gates.${incomplete.name}.threshold\` is required for a gate of the plan's own`);
  const unnamed = Object.entries(input.gates ?? {}).find(([name, gate]) => gate !== null && !gates.some((g) => g.name === name) && !(name === 'tokens-per-task' && from === LEGACY_TRACK));
  if (unnamed) fail(`\`gates.${unnamed[0]}.query\` is required for a gate of the plan's own`);
  return {
    role,
    from,
    to,
    steps: steps(input.steps ?? PLAN_DEFAULTS.steps),
    soakMs,
    checkEveryMs: Math.min(soakMs, duration('checkEvery', input.checkEvery ?? PLAN_DEFAULTS.checkEvery)),
    windowMs,
    lockTtlMs: duration('lockTtl', input.lockTtl ?? PLAN_DEFAULTS.lockTtl),
    prometheusUrl: input.prometheus,
    gates,
  };
}

/** The new track's and the old one's percent at a step (0: before the first). */
export function weightsAt(plan: RolloutPlan, step: number): Record<string, number> {
  const percent = step === 0 ? 0 : plan.steps[step - 1];
  return { [plan.from]: 100 - percent, [plan.to]: percent };
}
