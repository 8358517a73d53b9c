import { parser } from '@prometheus-io/lezer-promql';

/** Syntax errors of a PromQL expression, as "at <offset>: <text>"; empty when it parses. */
export function promqlErrors(expr: string): string[] {
  const errors: string[] = [];
  parser.parse(expr).iterate({
    enter: (node) => {
      if (node.type.isError) errors.push(`at ${node.from}: '${expr.slice(node.from, Math.max(node.to, node.from + 10))}'`);
    },
  });
  return errors;
}

/** Metric names an expression selects. */
export function metricNames(expr: string): string[] {
  const names = new Set<string>();
  parser.parse(expr).iterate({
    enter: (node) => {
      if (node.name !== 'VectorSelector') return;
      const first = node.node.firstChild;
      if (first?.name === 'Identifier') names.add(expr.slice(first.from, first.to));
    },
  });
  return [...names];
}

/** The series names a histogram or counter contract name stands for. */
export function contractSeriesNames(metric: string): string[] {
  return [metric, `${metric}_bucket`, `${metric}_sum`, `${metric}_count`];
}

/** prometheus-adapter templates replaced by what the adapter substitutes, so the query parses as PromQL. */
export function expandAdapterTemplate(query: string): string {
  return query.replaceAll('<<.LabelMatchers>>', 'namespace="ns"').replaceAll('<<.GroupBy>>', 'pod').replaceAll('<<.Series>>', 'series');
}
