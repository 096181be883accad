import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScenario, ScenarioFileError, type CommandStep } from './scenario-file';

const SHARED_SCENARIOS = resolve(__dirname, '../../../../../shared/scenarios');

const scenario = (body: Record<string, unknown>) =>
  JSON.stringify({ name: 'unit', endpoint: { enactors: ['e1'] }, steps: [{ as: 'planner', do: 'ApplyPlan', generation: 1 }], ...body });

const parseError = (text: string): string => {
  try {
    parseScenario(text, 'bad.json');
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioFileError);
    return (error as Error).message;
  }
  throw new Error('expected a ScenarioFileError');
};

describe('parseScenario', () => {
  it('reads every shared scenario file', () => {
    const files = readdirSync(SHARED_SCENARIOS).filter((name) => name.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(5);
    for (const name of files) {
      const parsed = parseScenario(readFileSync(resolve(SHARED_SCENARIOS, name), 'utf8'), name);
      expect(parsed.steps.length).toBeGreaterThan(0);
      expect(parsed.registration).not.toBeNull();
    }
  });

  it('fills registration defaults: quorum 1, minValidPlans 1, maxCapacityDropPercent 100', () => {
    const parsed = parseScenario(scenario({ endpoint: { enactors: ['a', 'b'], quorum: 2 } }), 'f.json');
    expect(parsed.registration).toEqual({ enactors: ['a', 'b'], quorum: 2, minValidPlans: 1, maxCapacityDropPercent: 100 });
  });

  it('registers nothing when a step is itself a RegisterEndpoint, and fills its defaults', () => {
    const parsed = parseScenario(
      scenario({
        steps: [
          { as: 'planner', do: 'ProposePlan', generation: 1, records: ['192.0.2.1'], expect: 'UNKNOWN_ENDPOINT' },
          { as: 'operator', do: 'RegisterEndpoint', enactors: ['x'], expect: 'accepted' },
        ],
      }),
      'f.json',
    );
    expect(parsed.registration).toBeNull();
    expect((parsed.steps[1] as CommandStep).payload).toEqual({ enactors: ['x'], quorum: 1, minValidPlans: 1, maxCapacityDropPercent: 100 });
  });

  it('maps `as` to actors', () => {
    const parsed = parseScenario(
      scenario({
        steps: ['planner', 'janitor', 'operator', 'enactor:az-1'].map((as) => ({ as, do: 'ApplyPlan', generation: 1 })),
      }),
      'f.json',
    );
    expect(parsed.steps.map((step) => (step as CommandStep).actor)).toEqual([
      { role: 'planner', id: 'planner-1' },
      { role: 'janitor', id: 'janitor-1' },
      { role: 'operator', id: 'operator-1' },
      { role: 'enactor', id: 'az-1' },
    ]);
  });

  it('turns address strings into weight-1 records, keeps objects as written, defaults ttl to 60', () => {
    const parsed = parseScenario(
      scenario({
        steps: [{ as: 'planner', do: 'ProposePlan', generation: 1, records: ['192.0.2.1', { address: '192.0.2.2', weight: 0 }] }],
      }),
      'f.json',
    );
    expect((parsed.steps[0] as CommandStep).payload).toEqual({
      generation: 1,
      records: [
        { address: '192.0.2.1', weight: 1 },
        { address: '192.0.2.2', weight: 0 },
      ],
      ttl: 60,
    });
  });

  it('keeps a given ttl and out-of-range values for the sequencer to judge', () => {
    const parsed = parseScenario(
      scenario({ steps: [{ as: 'planner', do: 'ProposePlan', generation: -1, records: [], ttl: 0, expect: 'INVALID_PLAN' }] }),
      'f.json',
    );
    expect((parsed.steps[0] as CommandStep).payload).toEqual({ generation: -1, records: [], ttl: 0 });
    expect(parsed.steps[0]?.expect).toBe('INVALID_PLAN');
  });

  it('reads raw steps, fixed command ids, and steps without expect', () => {
    const parsed = parseScenario(
      scenario({
        steps: [
          { raw: 'this is not json', expect: 'MALFORMED' },
          { as: 'planner', do: 'ApplyPlan', generation: 1, commandId: 'fixed-1' },
        ],
      }),
      'f.json',
    );
    expect(parsed.steps[0]).toEqual({ kind: 'raw', index: 1, expect: 'MALFORMED', raw: 'this is not json', label: null });
    expect(parsed.steps[1]).toMatchObject({ kind: 'command', index: 2, expect: null, commandId: 'fixed-1' });
  });

  it('reads final', () => {
    const final = { activeGeneration: null, validGenerations: [], deletedGenerations: [1], confirmed: { e1: null, e2: 3 } };
    expect(parseScenario(scenario({ final }), 'f.json').final).toEqual(final);
  });

  it.each([
    ['not JSON', '{', /^bad\.json: not JSON/],
    ['no steps', JSON.stringify({ name: 'x', steps: [] }), /^bad\.json: `steps` must be a non-empty list/],
    ['a typo at the top', scenario({ finals: {} }), /^bad\.json: unknown key `finals`/],
    ['an unknown role', scenario({ steps: [{ as: 'admin', do: 'ApplyPlan', generation: 1 }] }), /^bad\.json: step 1: `as` must be planner, janitor, operator or enactor:<id>/],
    ['an enactor without id', scenario({ steps: [{ as: 'enactor', do: 'ApplyPlan', generation: 1 }] }), /step 1: `as`/],
    ['an unknown command', scenario({ steps: [{ as: 'planner', do: 'Apply', generation: 1 }] }), /step 1: `do` must be one of RegisterEndpoint, ProposePlan/],
    [
      'an unknown expectation',
      scenario({ steps: [{ as: 'planner', do: 'ApplyPlan', generation: 1 }, { as: 'planner', do: 'ApplyPlan', generation: 1, expect: 'rejected' }] }),
      /^bad\.json: step 2: `expect` must be accepted, duplicate or a rejection reason/,
    ],
    ['a payload typo', scenario({ steps: [{ as: 'enactor:e1', do: 'ApplyPlan', generaton: 1 }] }), /step 1: unknown key `generaton` for ApplyPlan/],
    ['raw that is not a string', scenario({ steps: [{ raw: { a: 1 } }] }), /step 1: `raw` must be a string/],
    ['enactors that are not strings', scenario({ endpoint: { enactors: [1] } }), /^bad\.json: endpoint: `enactors` must be a list/],
    ['a final typo', scenario({ final: { activeGen: 1 } }), /^bad\.json: final: unknown key `activeGen`/],
    ['final generations that are not numbers', scenario({ final: { validGenerations: ['1'] } }), /final: `validGenerations` must be a list/],
  ])('rejects %s, naming the file and step', (_what, text, message) => {
    expect(parseError(text)).toMatch(message);
  });
});
