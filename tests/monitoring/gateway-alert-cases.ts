import { GATEWAY_METRICS } from '../../agent-runtime/src/contract';
import { Environment } from '../../infra/environment/environment-schema';
import { seriesName } from '../support/promtool';
import { AlertCase } from './alert-cases';

/** For each gateway alert, series that must fire it and series that must not; thresholds from the environment. */
export function gatewayAlertCases(env: Environment): AlertCase[] {
  const ns = env.namespace;
  const a = env.alerts;
  const s = (metric: string, labels: Record<string, string>) => seriesName(metric, { namespace: ns, role: 'gateway', ...labels });
  /** Requests a minute by code, over two gateway pods. */
  const requests = (perMinute: Record<string, number>) =>
    Object.assign(
      {},
      ...Object.entries(perMinute).flatMap(([code, count]) =>
        ['hive-gateway-1', 'hive-gateway-2'].map((pod) => ({ [s(GATEWAY_METRICS.requestsTotal, { method: 'SendMessage', code, pod })]: `0+${count / 2}x40` })),
      ),
    );
  /** A method's response times: 10 requests a minute, `fastCount` of them under the target. */
  const durations = (method: string, fastCount: number) => {
    const bucket = (le: string, series: string) => ({ [s(`${GATEWAY_METRICS.requestDurationSeconds}_bucket`, { method, le, pod: 'hive-gateway-1' })]: series });
    return {
      ...bucket(String(a.gatewayP99Seconds / 2), `0+${fastCount}x60`),
      ...bucket(String(a.gatewayP99Seconds), `0+${fastCount}x60`),
      ...bucket(String(a.gatewayP99Seconds * 50), '0+10x60'),
      ...bucket('+Inf', '0+10x60'),
    };
  };
  const errorRatio = a.gatewayErrorRatio;

  return [
    {
      name: 'gateway 5xx at twice the threshold fire',
      alertname: 'HiveGatewayErrorRateHigh',
      series: requests({ '200': 100 * (1 - 2 * errorRatio), '500': 100 * 2 * errorRatio }),
      evalTime: '15m',
      expected: [{ namespace: ns, severity: 'critical' }],
    },
    {
      name: 'gateway 5xx at half the threshold are quiet',
      alertname: 'HiveGatewayErrorRateHigh',
      series: requests({ '200': 100 * (1 - errorRatio / 2), '500': 100 * (errorRatio / 2) }),
      evalTime: '15m',
      expected: [],
    },
    {
      // Refusals are the clients' doing (bad tokens, limits), not the gateway failing.
      name: 'many 4xx answers are quiet',
      alertname: 'HiveGatewayErrorRateHigh',
      series: requests({ '200': 50, '401': 30, '429': 20, '500': 0 }),
      evalTime: '15m',
      expected: [],
    },
    { name: 'a gateway without requests is quiet', alertname: 'HiveGatewayErrorRateHigh', series: requests({ '200': 0, '500': 0 }), evalTime: '15m', expected: [] },
    {
      name: 'slow GetTask answers fire',
      alertname: 'HiveGatewayLatencyHigh',
      series: durations('GetTask', 0),
      evalTime: '30m',
      expected: [{ method: 'GetTask', severity: 'warning' }],
    },
    { name: 'fast answers are quiet', alertname: 'HiveGatewayLatencyHigh', series: durations('GetTask', 10), evalTime: '30m', expected: [] },
    {
      // A stream, a blocking send and a cancel last as long as their task (or its agent's turn).
      name: 'long waiting calls with fast answers otherwise are quiet',
      alertname: 'HiveGatewayLatencyHigh',
      series: {
        ...durations('SendStreamingMessage', 0),
        ...durations('SubscribeToTask', 0),
        ...durations('SendMessageBlocking', 0),
        ...durations('CancelTask', 0),
        ...durations('SendMessage', 10),
      },
      evalTime: '30m',
      expected: [],
    },
  ];
}
