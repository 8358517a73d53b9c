import { describe, expect, it } from 'vitest';
import { DEFAULT_BEHAVIOR, HpaController, HpaSpec, MetricsSnapshot, replicasForMetric, replicasForMetrics } from '../../scripts/autoscaling/hpa-algorithm';

// Worked examples from the Kubernetes documentation, "Horizontal Pod Autoscaling":
// https://kubernetes.io/docs/concepts/workloads/autoscaling/horizontal-pod-autoscale/

const pods = (values: (number | undefined)[], unready = 0): MetricsSnapshot => ({
  external: {},
  pods: [...values.map((v) => ({ ready: true, values: { m: v } })), ...Array.from({ length: unready }, () => ({ ready: false, values: {} }))],
});
const podsMetric = { kind: 'pods', name: 'm', targetAverageValue: 0.1 } as const;

function hpa(overrides: Partial<HpaSpec> = {}): HpaSpec {
  return { name: 't', minReplicas: 1, maxReplicas: 100, metrics: [podsMetric], behavior: DEFAULT_BEHAVIOR, ...overrides };
}

describe('desired replicas per metric', () => {
  it('doubles at 200m against a 100m target and halves at 50m', () => {
    expect(replicasForMetric(podsMetric, 4, pods([0.2, 0.2, 0.2, 0.2]))).toBe(8);
    expect(replicasForMetric(podsMetric, 4, pods([0.05, 0.05, 0.05, 0.05]))).toBe(2);
  });

  it('skips scaling while the ratio is within the 0.1 tolerance', () => {
    expect(replicasForMetric(podsMetric, 4, pods([0.109, 0.109, 0.109, 0.109]))).toBe(4);
    expect(replicasForMetric(podsMetric, 4, pods([0.091, 0.091, 0.091, 0.091]))).toBe(4);
    expect(replicasForMetric(podsMetric, 4, pods([0.12, 0.12, 0.12, 0.12]))).toBe(5);
  });

  it('counts not-yet-ready pods as 0 % of the target on a scale up, damping it', () => {
    // 2 ready at 2x the target: 4 without the starting pods; with 2 starting pods at 0, (0.4 / 4) / 0.1 = 1.0: no change.
    expect(replicasForMetric(podsMetric, 4, pods([0.2, 0.2], 2))).toBe(4);
    // 2 ready at 3x: (0.6 / 4) / 0.1 = 1.5 -> 6
    expect(replicasForMetric(podsMetric, 4, pods([0.3, 0.3], 2))).toBe(6);
  });

  it('sets not-yet-ready pods aside on a scale down', () => {
    expect(replicasForMetric(podsMetric, 4, pods([0.05, 0.05], 2))).toBe(1);
  });

  it('counts pods without a metric as 100 % on a scale down and 0 % on a scale up', () => {
    // down: (0.05 + 0.05 + 0.1 + 0.1) / 4 = 0.075 -> 0.75 -> 3
    expect(replicasForMetric(podsMetric, 4, pods([0.05, 0.05, undefined, undefined]))).toBe(3);
    // up: (0.3 + 0.3 + 0 + 0) / 4 = 0.15 -> 1.5 -> 6
    expect(replicasForMetric(podsMetric, 4, pods([0.3, 0.3, undefined, undefined]))).toBe(6);
  });

  it('divides an External AverageValue metric by its target', () => {
    const external = { kind: 'external', name: 'backlog', targetAverageValue: 2 } as const;
    const snapshot = (backlog: number): MetricsSnapshot => ({ external: { backlog }, pods: pods([0, 0, 0]).pods });
    expect(replicasForMetric(external, 3, snapshot(13))).toBe(7);
    expect(replicasForMetric(external, 3, snapshot(6.5))).toBe(3); // 6.5 / (2 x 3) = 1.08: within tolerance
  });
});

describe('several metrics', () => {
  const two = hpa({ metrics: [podsMetric, { kind: 'external', name: 'backlog', targetAverageValue: 2 }] });

  it('takes the largest count', () => {
    expect(replicasForMetrics(two, 4, { ...pods([0.2, 0.2, 0.2, 0.2]), external: { backlog: 20 } })).toBe(10);
  });

  it('scales up on the metrics it can read when one is missing, and skips a scale down', () => {
    expect(replicasForMetrics(two, 4, { ...pods([0.2, 0.2, 0.2, 0.2]), external: { backlog: undefined } })).toBe(8);
    expect(replicasForMetrics(two, 4, { ...pods([0.01, 0.01, 0.01, 0.01]), external: { backlog: undefined } })).toBeUndefined();
  });
});

describe('behavior', () => {
  const down = (value: number) => pods(Array<number>(80).fill(value));

  it('applies the docs scale-down policies: 4 pods or 10 % a minute, whichever removes more', () => {
    const controller = new HpaController(
      hpa({
        behavior: {
          scaleUp: DEFAULT_BEHAVIOR.scaleUp,
          scaleDown: {
            stabilizationWindowSeconds: 0,
            selectPolicy: 'Max',
            policies: [
              { type: 'Pods', value: 4, periodSeconds: 60 },
              { type: 'Percent', value: 10, periodSeconds: 60 },
            ],
          },
        },
      }),
    );
    // Docs: from 80 towards 10, 8 pods go first; at 72, 10 % is 7.2, rounded up to 8.
    expect(controller.sync(0, 80, down(0.0125))).toBe(72);
    expect(controller.sync(30, 72, down(0.0125))).toBe(72); // within the period, nothing more
    expect(controller.sync(60, 72, down(0.0125))).toBe(64);
    // Below 40 the Pods policy removes more: 4 at a time.
    expect(controller.sync(600, 30, pods(Array<number>(30).fill(0.01)))).toBe(26);
  });

  it('uses the highest recommendation of the scale-down stabilization window', () => {
    const controller = new HpaController(hpa({ behavior: { ...DEFAULT_BEHAVIOR } }));
    expect(controller.sync(0, 4, pods([0.2, 0.2, 0.2, 0.2]))).toBe(8);
    expect(controller.sync(15, 8, pods(Array<number>(8).fill(0.025)))).toBe(8); // 2 recommended; 8 within 300 s
    expect(controller.sync(299, 8, pods(Array<number>(8).fill(0.025)))).toBe(8); // the window is (now - 300 s, now]
    expect(controller.sync(300, 8, pods(Array<number>(8).fill(0.025)))).toBe(2);
  });

  it('lets the default scale up add 4 pods or double, whichever is more, per 15 s', () => {
    const controller = new HpaController(hpa());
    expect(controller.sync(0, 2, pods([1, 1]))).toBe(6); // 2 + 4 > 2 x 2
    expect(controller.sync(15, 6, pods(Array<number>(6).fill(1)))).toBe(12); // 6 x 2 > 6 + 4
    expect(controller.sync(20, 12, pods(Array<number>(12).fill(1)))).toBe(12); // the period has used its doubling
  });

  it('never scales with selectPolicy Disabled, and keeps min and max', () => {
    const disabled = new HpaController(hpa({ behavior: { ...DEFAULT_BEHAVIOR, scaleDown: { ...DEFAULT_BEHAVIOR.scaleDown, selectPolicy: 'Disabled' } } }));
    expect(disabled.sync(0, 4, pods([0.01, 0.01, 0.01, 0.01]))).toBe(4);
    expect(new HpaController(hpa({ maxReplicas: 5 })).sync(0, 4, pods([1, 1, 1, 1]))).toBe(5);
    expect(new HpaController(hpa({ minReplicas: 3 })).sync(0, 4, pods([0, 0, 0, 0]))).toBe(3);
    expect(new HpaController(hpa()).sync(0, 0, pods([]))).toBe(0); // scaled to zero: the HPA is off
  });
});
