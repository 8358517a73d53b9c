import { describe, expect, it } from 'vitest';
import { loadChartsOut } from '../support/manifests';
import { allQueries, hpaMetricNames } from '../support/monitoring-queries';
import { promqlErrors } from '../support/promql';

describe('MON-PROMQL: every expression parses', () => {
  for (const { env, objects } of loadChartsOut()) {
    it(`parses every alert, dashboard and adapter query of charts-out/${env}`, () => {
      const queries = allQueries(objects);
      expect(queries.length).toBeGreaterThan(20);
      const errors = queries.flatMap((q) => promqlErrors(q.expr!).map((e) => `${q.where}: ${e}`));
      expect(errors).toEqual([]);
    });

    it(`finds the HPA metrics of charts-out/${env}`, () => {
      expect(hpaMetricNames(objects).map((u) => u.metric)).toContain('hive_queue_backlog');
    });
  }

  it('reports a broken expression', () => {
    expect(promqlErrors('sum(rate(hive_tasks_total[5m]) by')).not.toEqual([]);
    expect(promqlErrors('sum by (role) (rate(hive_tasks_total[5m]))')).toEqual([]);
  });
});
