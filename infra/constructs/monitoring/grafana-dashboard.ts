import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { hiveLabels } from '../workload/labels';
import { dashboardPanels, PanelSpec, PanelState } from './dashboard-panels';
import { gatewayPanels } from './gateway-panels';

export interface GrafanaDashboardProps {
  /** Namespace the agents run in (queries are scoped to it). */
  readonly namespace: string;
  /** Namespace where the Grafana sidecar looks for dashboards. */
  readonly monitoringNamespace: string;
  /** Grafana folder (sidecar annotation). */
  readonly folder: string;
}

const PANEL_WIDTH = 12;
const PANEL_HEIGHT = 8;
const ROW_HEIGHT = 1;

/** Panels under a row header; the first section has none. */
interface Section {
  readonly row?: string;
  readonly panels: readonly PanelSpec[];
}

/** The dashboard as a ConfigMap the Grafana sidecar picks up (label `grafana_dashboard`). */
export class GrafanaDashboard extends Construct {
  constructor(scope: Construct, id: string, props: GrafanaDashboardProps) {
    super(scope, id);
    const sections: Section[] = [{ panels: dashboardPanels(props.namespace) }, { row: 'Gateway', panels: gatewayPanels(props.namespace) }];
    const panels = layOut(sections).map((panel, index) => ({ id: index + 1, ...panel }));
    const dashboard = {
      uid: `agent-hive-${props.namespace}`,
      title: `Agent Hive (${props.namespace})`,
      tags: ['agent-hive'],
      timezone: 'utc',
      schemaVersion: 39,
      refresh: '30s',
      time: { from: 'now-6h', to: 'now' },
      templating: { list: [{ name: 'datasource', type: 'datasource', query: 'prometheus' }] },
      panels,
    };
    new k8s.KubeConfigMap(this, 'dashboard', {
      metadata: {
        name: `agent-hive-dashboard-${props.namespace}`,
        namespace: props.monitoringNamespace,
        labels: { ...hiveLabels('monitoring'), grafana_dashboard: '1' },
        annotations: { grafana_folder: props.folder },
      },
      data: { 'agent-hive.json': JSON.stringify(dashboard, null, 2) },
    });
  }
}

/** Grafana panels, two per line, each section below the last under its row header. */
function layOut(sections: readonly Section[]): object[] {
  let y = 0;
  return sections.flatMap((section) => {
    const header = section.row ? [{ type: 'row', title: section.row, collapsed: false, gridPos: { x: 0, y, w: 2 * PANEL_WIDTH, h: ROW_HEIGHT }, panels: [] }] : [];
    if (section.row) y += ROW_HEIGHT;
    const top = y;
    y += Math.ceil(section.panels.length / 2) * PANEL_HEIGHT;
    return [
      ...header,
      ...section.panels.map((panel, index) => ({
        type: panel.states ? 'state-timeline' : 'timeseries',
        title: panel.title,
        datasource: { type: 'prometheus', uid: '${datasource}' },
        gridPos: { x: (index % 2) * PANEL_WIDTH, y: top + Math.floor(index / 2) * PANEL_HEIGHT, w: PANEL_WIDTH, h: PANEL_HEIGHT },
        fieldConfig: { defaults: { unit: panel.unit, ...(panel.states && { mappings: valueMappings(panel.states) }) }, overrides: [] },
        targets: panel.targets.map((t, i) => ({ refId: String.fromCharCode(65 + i), expr: t.expr, legendFormat: t.legend })),
      })),
    ];
  });
}

/** Grafana's value mappings: each state's number shown as its name, in its colour. */
function valueMappings(states: readonly PanelState[]): object[] {
  return [{ type: 'value', options: Object.fromEntries(states.map((s, index) => [String(s.value), { text: s.text, color: s.color, index }])) }];
}
