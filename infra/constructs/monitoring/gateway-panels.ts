import { GATEWAY_METRICS } from '../../../agent-runtime/src/contract';
import { histogramQuantile, PanelSpec } from './dashboard-panels';

/** The gateway's row of the dashboard; its CPU and memory are in the per-role panels, as role `gateway`. */
export function gatewayPanels(namespace: string): PanelSpec[] {
  const ns = `namespace="${namespace}"`;
  return [
    {
      title: 'Gateway requests by code',
      unit: 'reqps',
      targets: [{ expr: `sum by (code) (rate(${GATEWAY_METRICS.requestsTotal}{${ns}}[5m]))`, legend: '{{code}}' }],
    },
    {
      // Streams and blocking sends last as long as their task: read their lines apart from the others.
      title: 'Gateway response p99',
      unit: 's',
      targets: [{ expr: histogramQuantile(0.99, GATEWAY_METRICS.requestDurationSeconds, 'method', namespace), legend: '{{method}}' }],
    },
    {
      title: 'Tasks accepted by role',
      unit: 'ops',
      targets: [{ expr: `sum by (role) (rate(${GATEWAY_METRICS.tasksTotal}{${ns}}[5m]))`, legend: '{{role}}' }],
    },
    {
      // Each gateway counts the results it read but could not write yet: the task history is down.
      title: 'Results pending for the task history',
      unit: 'short',
      targets: [{ expr: `sum(${GATEWAY_METRICS.resultsPending}{${ns}})`, legend: 'pending' }],
    },
    {
      title: 'Results stored in the task history',
      unit: 'ops',
      targets: [{ expr: `sum by (outcome) (rate(${GATEWAY_METRICS.resultsStoredTotal}{${ns}}[5m]))`, legend: '{{outcome}}' }],
    },
  ];
}
