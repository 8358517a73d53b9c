import { GATEWAY_METRICS, GATEWAY_WAITING_METHODS } from '../../../agent-runtime/src/contract';
import { Environment } from '../../environment/environment-schema';
import { AlertRule, alertRules } from './alert-definition';

/** The gateway's alerts: the share of requests it fails, and how fast it answers. */
export function gatewayAlerts(env: Environment): AlertRule[] {
  const { alerts } = env;
  const ns = `namespace="${env.namespace}"`;
  const requests = GATEWAY_METRICS.requestsTotal;
  return alertRules(env, [
    {
      alert: 'HiveGatewayErrorRateHigh',
      // No request at all is 0/0, NaN, and stays quiet; the gateway counts its first 500 from 0, so one is seen.
      expr:
        `sum by (namespace) (rate(${requests}{${ns},code=~"5.."}[5m]))` +
        ` / sum by (namespace) (rate(${requests}{${ns}}[5m])) > ${alerts.gatewayErrorRatio}`,
      forSeconds: 300,
      severity: 'critical',
      summary: 'The A2A gateway fails many requests',
      description: `{{ $value | humanizePercentage }} of the gateway's requests were answered with a 5xx over 5 minutes; the threshold is ${alerts.gatewayErrorRatio * 100}%.`,
    },
    {
      alert: 'HiveGatewayLatencyHigh',
      expr:
        `histogram_quantile(0.99, sum by (method, le) (rate(${GATEWAY_METRICS.requestDurationSeconds}_bucket{${ns},method!~"${GATEWAY_WAITING_METHODS.join('|')}"}[5m])))` +
        ` > ${alerts.gatewayP99Seconds}`,
      forSeconds: 600,
      severity: 'warning',
      summary: 'The A2A gateway answers {{ $labels.method }} slowly',
      description: `p99 of {{ $labels.method }} responses is {{ $value | humanizeDuration }}; the target is ${alerts.gatewayP99Seconds}s. Streams are not counted.`,
    },
  ]);
}
