import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { GATEWAY_METRICS, TASK_OUTCOMES } from '../contract';

/** An HTTP front door: most answers take milliseconds, a blocking or streaming call as long as its task. */
const REQUEST_BUCKETS = [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/** The gateway's contract metrics, on its own registry. */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'method' | 'code'>;
  readonly requestDuration: Histogram<'method'>;
  readonly tasks: Counter<'role' | 'client'>;
  readonly resultsStored: Counter<'outcome'>;
  readonly resultsPending: Gauge;

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 1_000 });
    this.requests = new Counter({ name: GATEWAY_METRICS.requestsTotal, help: 'A2A requests by method and HTTP status code', labelNames: ['method', 'code'], registers });
    this.requestDuration = new Histogram({
      name: GATEWAY_METRICS.requestDurationSeconds,
      help: 'Seconds to answer an A2A request (a stream: until it ends)',
      labelNames: ['method'],
      buckets: REQUEST_BUCKETS,
      registers,
    });
    this.tasks = new Counter({ name: GATEWAY_METRICS.tasksTotal, help: 'Tasks accepted, by role and client', labelNames: ['role', 'client'], registers });
    this.resultsStored = new Counter({ name: GATEWAY_METRICS.resultsStoredTotal, help: 'Results written to the task history', labelNames: ['outcome'], registers });
    this.resultsPending = new Gauge({ name: GATEWAY_METRICS.resultsPending, help: 'Results read but not yet stored (the task history is unavailable)', registers });
    // Present from the start, so rate() and increase() see the first occurrence.
    for (const outcome of TASK_OUTCOMES) this.resultsStored.inc({ outcome }, 0);
    this.requests.inc({ method: 'SendMessage', code: '200' }, 0);
    this.requests.inc({ method: 'SendMessage', code: '500' }, 0);
  }
}
