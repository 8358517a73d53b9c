/** One sample of an instant query's answer. */
export interface PrometheusSample {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Prometheus could not be asked, or refused the query; the message says which. */
export class PrometheusError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PrometheusError';
  }
}

/** Instant queries through the HTTP API (`GET /api/v1/query`). */
export class PrometheusApi {
  constructor(
    /** Base URL, e.g. http://prometheus-operated.monitoring:9090 */
    readonly url: string,
    private readonly timeoutMs = 10_000,
  ) {}

  /** The query's samples, evaluated now (an instant vector or a scalar). */
  async query(expr: string): Promise<PrometheusSample[]> {
    let response: Response;
    try {
      response = await fetch(`${this.url.replace(/\/+$/, '')}/api/v1/query?query=${encodeURIComponent(expr)}`, { signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      const cause = (error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message;
      throw new PrometheusError(`cannot reach Prometheus at ${this.url}: ${cause}`);
    }
    const body = (await response.json().catch(() => undefined)) as
      | { status: string; error?: string; data?: { resultType: string; result: unknown } }
      | undefined;
    if (!body || body.status !== 'success' || !body.data) throw new PrometheusError(`Prometheus refused the query (HTTP ${response.status}): ${body?.error ?? 'no JSON answer'}`);
    const { resultType, result } = body.data;
    if (resultType === 'scalar') return [{ metric: {}, value: Number((result as [number, string])[1]) }];
    if (resultType !== 'vector') throw new PrometheusError(`a gate query must answer an instant vector or a scalar, got a ${resultType}`);
    return (result as Array<{ metric: Record<string, string>; value: [number, string] }>).map(({ metric, value }) => ({ metric, value: Number(value[1]) }));
  }
}
