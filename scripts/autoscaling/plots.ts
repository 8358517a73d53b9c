import { parse as parseVega, View } from 'vega';
import { compile, TopLevelSpec } from 'vega-lite';
import { Scenario } from './scenarios';
import { Result } from './simulate';

/**
 * One scenario's replicas and backlog over time, an engine per line, as SVG (Vega-Lite,
 * rendered headless). Summed over the roles the scenario loads.
 */
export async function scenarioSvg(scenario: Scenario, results: readonly Result[]): Promise<string> {
  const totals = new Map<string, { engine: string; minute: number; replicas: number; backlog: number }>();
  for (const result of results) {
    for (const point of result.series.filter((p) => p.minute <= scenario.plotMinutes)) {
      const key = `${result.engine}/${point.minute}`;
      const total = totals.get(key) ?? { engine: result.engine, minute: point.minute, replicas: 0, backlog: 0 };
      total.replicas += point.replicas;
      total.backlog += point.backlog;
      totals.set(key, total);
    }
  }
  const panel = (field: 'replicas' | 'backlog', title: string) => ({
    width: 640,
    height: 180,
    mark: { type: 'line' as const, interpolate: 'step-after' as const, strokeWidth: 1.5 },
    encoding: {
      x: { field: 'minute', type: 'quantitative' as const, title: 'minute' },
      y: { field, type: 'quantitative' as const, title },
      color: { field: 'engine', type: 'nominal' as const, title: 'engine' },
      strokeDash: { field: 'engine', type: 'nominal' as const },
    },
  });
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: `${scenario.name}: ${scenario.description}`, anchor: 'start' },
    data: { values: [...totals.values()] },
    vconcat: [panel('replicas', 'replicas (all loaded roles)'), panel('backlog', 'backlog (queued + in flight)')],
    config: { font: 'sans-serif' },
  };
  const view = new View(parseVega(compile(spec).spec), { renderer: 'none' });
  return view.toSVG();
}
