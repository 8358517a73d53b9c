import { ScalableRole } from '../../agent-runtime/src/contract';
import { Prng } from './prng';

/** A workload trace: arrival times per role, and an API outage if any. */
export interface Scenario {
  readonly name: string;
  readonly description: string;
  readonly durationSeconds: number;
  /** How much of the run the plot shows. */
  readonly plotMinutes: number;
  /** Arrival times in seconds, per loaded role; roles left out get no tasks and are not reported. */
  readonly arrivals: (rng: Prng) => Partial<Record<ScalableRole, number[]>>;
  /** The Messages API answers nothing in [start, end). */
  readonly outage?: { readonly start: number; readonly end: number };
}

const HOUR = 3600;

/** Tasks per second per role at full load: about 7, 1.4 and 3.5 busy slots with a mean task of 175 s. */
const PEAK: Record<ScalableRole, number> = { architect: 0.008, developer: 0.04, qa: 0.02 };

/** Poisson arrivals at `rate(t)` per second (thinning against `maxRate`). */
function poisson(rng: Prng, end: number, maxRate: number, rate: (t: number) => number = () => maxRate): number[] {
  const times: number[] = [];
  for (let t = rng.exponential(maxRate); t < end; t += rng.exponential(maxRate)) {
    if (rng.next() * maxRate < rate(t)) times.push(t);
  }
  return times;
}

function perRole(f: (role: ScalableRole, peak: number) => number[]): Partial<Record<ScalableRole, number[]>> {
  return { architect: f('architect', PEAK.architect), developer: f('developer', PEAK.developer), qa: f('qa', PEAK.qa) };
}

/** A working day: nights at 5 % of the peak, a sine from 08:00 to 18:00 peaking at 13:00. */
function diurnal(peak: number): (t: number) => number {
  return (t) => {
    const hour = (t / HOUR) % 24;
    const day = hour >= 8 && hour < 18 ? Math.sin((Math.PI * (hour - 8)) / 10) : 0;
    return peak * (0.05 + 0.95 * day);
  };
}

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'steady',
    description: '2 h of Poisson arrivals at the peak rate, every role',
    durationSeconds: 2 * HOUR,
    plotMinutes: 150,
    arrivals: (rng) => perRole((_, peak) => poisson(rng, 2 * HOUR, peak)),
  },
  {
    name: 'burst',
    description: '500 developer tasks at once after 5 min',
    durationSeconds: 300,
    plotMinutes: 90,
    arrivals: () => ({ developer: Array<number>(500).fill(300) }),
  },
  {
    name: 'diurnal',
    description: 'a 24 h working day, every role',
    durationSeconds: 24 * HOUR,
    plotMinutes: 24 * 60,
    arrivals: (rng) => perRole((_, peak) => poisson(rng, 24 * HOUR, peak, diurnal(peak))),
  },
  {
    name: 'outage',
    description: 'steady load, the Messages API down from 30 to 45 min',
    durationSeconds: 2 * HOUR,
    plotMinutes: 150,
    arrivals: (rng) => perRole((_, peak) => poisson(rng, 2 * HOUR, peak)),
    outage: { start: 1800, end: 2700 },
  },
];
