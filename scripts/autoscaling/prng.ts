/** A seeded generator (mulberry32): the same seed gives the same traces and the same figures. */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** Exponential with the given rate (per second): the gap between Poisson arrivals. */
  exponential(rate: number): number {
    return -Math.log(1 - this.next()) / rate;
  }
}

/** z of the 95th percentile of the standard normal. */
const Z95 = 1.6448536269514722;

/** A lognormal given its median and 95th percentile. */
export function lognormal(median: number, p95: number): (rng: Prng) => number {
  const mu = Math.log(median);
  const sigma = (Math.log(p95) - mu) / Z95;
  return (rng) => Math.exp(mu + sigma * rng.normal());
}
