/**
 * The backlog the HPAs scale on, evaluated by Prometheus' own engine (promtool):
 * each HPA's External metric query, built from charts-out the way
 * prometheus-adapter builds it, over series shaped like the agents' scrapes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { AGENT_ROLES, AgentRole, METRICS, SCALABLE_ROLES, ScalableRole, STABLE_TRACK } from '../../agent-runtime/src/contract';
import { externalMetricQuery } from '../support/adapter-query';
import { KubeObject, loadChartsOut } from '../support/manifests';
import { adapterRules, hpaExternalMetrics } from '../support/monitoring-queries';
import { runPromtool, seriesName } from '../support/promtool';

const work = mkdtempSync(join(tmpdir(), 'hive-adapter-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** What meta publishes as a role's backlog unless a case says otherwise. */
const BACKLOG = 40;

/** A track other than stable: the environments that have it render an HPA for it. */
const CANDIDATE = 'green';

/** One agent's view of its role's breaker: 0 closed, 1 half-open, 2 open. */
interface BreakerSeries {
  readonly role: ScalableRole;
  /** @default 'stable' */
  readonly track?: string;
  readonly pod: string;
  /** promtool values, one a minute. */
  readonly values: string;
  /** @default the environment's namespace */
  readonly namespace?: string;
}

interface BreakerCase {
  readonly name: string;
  readonly breakers: readonly BreakerSeries[];
  /** Per role's stable track, or per `<role>:<track>`. @default BACKLOG for every track */
  readonly backlog?: Partial<Record<string, number>>;
  readonly evalTime: string;
  /** Roles whose stable track's HPA must get the backlog; the others' must get no value at all. */
  readonly served: readonly ScalableRole[];
  /** Other tracks (`<role>:<track>`) whose HPA must get no value; the others' get their backlog. @default none */
  readonly withheld?: readonly string[];
}

/** Two agents per role's track, each reporting the same state. */
const agents = (role: ScalableRole, values: string, track = STABLE_TRACK): BreakerSeries[] =>
  [1, 2].map((n) => ({ role, track, pod: `agent-${role}-${track}-${n}`, values }));
const closedExcept = (role: ScalableRole) => SCALABLE_ROLES.filter((r) => r !== role).flatMap((r) => agents(r, '0x20'));
const othersThan = (role: ScalableRole) => SCALABLE_ROLES.filter((r) => r !== role);

const CASES: BreakerCase[] = [
  {
    // The breaker is the role's: both tracks' agents see it open. Only the track with work waiting is held.
    name: `tasks waiting on the ${CANDIDATE} track only while developer's breaker is open: that track's HPA gets no backlog, the stable one its empty backlog`,
    breakers: [...closedExcept('developer'), ...agents('developer', '2x20'), ...agents('developer', '2x20', CANDIDATE)],
    backlog: { developer: 0 },
    evalTime: '10m',
    served: SCALABLE_ROLES,
    withheld: [`developer:${CANDIDATE}`],
  },
  { name: 'every breaker closed: every HPA gets its backlog', breakers: SCALABLE_ROLES.flatMap((r) => agents(r, '0x20')), evalTime: '10m', served: SCALABLE_ROLES },
  {
    name: "developer's breaker open: its HPA gets no backlog, the other roles' HPAs get theirs",
    breakers: [...closedExcept('developer'), ...agents('developer', '2x20')],
    evalTime: '10m',
    served: othersThan('developer'),
  },
  {
    name: "developer's breaker half-open, seen so far by one of its agents: its HPA gets no backlog",
    breakers: [...closedExcept('developer'), { role: 'developer', pod: 'agent-developer-stable-1', values: '1x20' }, { role: 'developer', pod: 'agent-developer-stable-2', values: '0x20' }],
    evalTime: '10m',
    served: othersThan('developer'),
  },
  {
    name: "developer's breaker closed again: its HPA gets the backlog back",
    breakers: [...closedExcept('developer'), ...agents('developer', '2x5 1 0x14')],
    evalTime: '10m',
    served: SCALABLE_ROLES,
  },
  {
    name: "developer's breaker half-open with nothing waiting: its HPA gets the empty backlog, so the role may shrink",
    breakers: [...closedExcept('developer'), ...agents('developer', '2x2 1x17')],
    backlog: { developer: 0 },
    evalTime: '10m',
    served: SCALABLE_ROLES,
  },
  {
    name: 'no developer agent scraped (none running yet): its HPA still gets the backlog, to scale up',
    breakers: closedExcept('developer'),
    evalTime: '10m',
    served: SCALABLE_ROLES,
  },
  {
    name: "another namespace's developer breaker open: this namespace's developer HPA still gets the backlog",
    breakers: [...SCALABLE_ROLES.flatMap((r) => agents(r, '0x20')), ...agents('developer', '2x20').map((b) => ({ ...b, namespace: 'agent-hive-elsewhere' }))],
    evalTime: '10m',
    served: SCALABLE_ROLES,
  },
];

const key = (role: AgentRole, track: string) => (track === STABLE_TRACK ? role : `${role}:${track}`);
const backlogOf = (c: BreakerCase, role: AgentRole, track: string): number => c.backlog?.[key(role, track)] ?? BACKLOG;
const isServed = (c: BreakerCase, role: ScalableRole, track: string) => (track === STABLE_TRACK ? c.served.includes(role) : !c.withheld?.includes(key(role, track)));

/** A promtool test file: per case, every HPA's backlog query and what it must return. */
function promtoolCases(objects: readonly KubeObject[], namespace: string, cases: readonly BreakerCase[]): object {
  const rules = adapterRules(objects);
  const queries = hpaExternalMetrics(objects)
    .filter((use) => use.metric === METRICS.queueBacklog)
    .map((use) => {
      const served = rules.filter(({ rule, external }) => external && rule.name.as === use.metric);
      expect(served, `${use.where}: one external adapter rule serves ${use.metric}`).toHaveLength(1);
      return { role: use.matchLabels.role as ScalableRole, track: use.matchLabels.track, expr: externalMetricQuery(served[0].rule, use.namespace, use.matchLabels) };
    });
  // Every HPA asks for its own role's track: the stable ones, and those of the environment's other tracks.
  expect(queries.filter((q) => q.track === STABLE_TRACK).map((q) => q.role).sort()).toEqual([...SCALABLE_ROLES].sort());
  const tracks = [...AGENT_ROLES.map((role) => ({ role, track: STABLE_TRACK })), ...queries.filter((q) => q.track !== STABLE_TRACK)];

  return {
    rule_files: [],
    evaluation_interval: '1m',
    tests: cases.map((c) => ({
      name: c.name,
      interval: '1m',
      input_series: [
        // Meta publishes every track's backlog under its own track label.
        ...tracks.map(({ role, track }) => ({
          series: seriesName(METRICS.queueBacklog, { namespace, role, track, pod: 'agent-meta-1' }),
          values: `${backlogOf(c, role, track)}x20`,
        })),
        ...c.breakers.map((b) => ({
          series: seriesName(METRICS.llmCircuitState, { namespace: b.namespace ?? namespace, role: b.role, track: b.track ?? STABLE_TRACK, pod: b.pod }),
          values: b.values,
        })),
      ],
      promql_expr_test: queries.map(({ role, track, expr }) => ({
        expr,
        eval_time: c.evalTime,
        exp_samples: isServed(c, role, track) ? [{ labels: `{role="${role}", track="${track}"}`, value: backlogOf(c, role, track) }] : [],
      })),
    })),
  };
}

describe('MON-ADAPTER: the backlog the HPAs scale on', () => {
  for (const { env, objects } of loadChartsOut()) {
    const namespace = hpaExternalMetrics(objects)[0]?.namespace;

    it(`is absent for a role whose LLM circuit breaker is not closed while tasks wait, and present otherwise (charts-out/${env}, promtool)`, () => {
      expect(namespace, 'the environment has HPAs with an External metric').toBeDefined();
      writeFileSync(join(work, `${env}.test.yaml`), stringify(promtoolCases(objects, namespace!, CASES)));
      const result = runPromtool(['test', 'rules', `${env}.test.yaml`], work);
      expect(result.output).toContain('SUCCESS');
      expect(result.ok).toBe(true);
    });
  }

  it('fails a case whose expectation is wrong, so the suite above can fail', () => {
    const { objects } = loadChartsOut().find((e) => e.env === 'staging')!;
    const open = CASES.find((c) => c.name.startsWith("developer's breaker open"))!;
    const wrong = { ...open, served: SCALABLE_ROLES };
    writeFileSync(join(work, 'wrong.test.yaml'), stringify(promtoolCases(objects, hpaExternalMetrics(objects)[0].namespace, [wrong])));
    expect(runPromtool(['test', 'rules', 'wrong.test.yaml'], work).ok).toBe(false);
  });
});
