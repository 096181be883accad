import { describe, expect, it } from 'vitest';
import { parseCommand } from '@plan-fabric/domain';
import { ENDPOINT_ID_PATTERN } from '@plan-fabric/kafka';
import { SimSigner } from '@plan-fabric/identity';
import { describeActor, describeStep, endpointIdFor, keySteps, newRunSuffix, registrationStep, stepRecordValue } from './scenario-commands';

const signer = new SimSigner();
import { parseScenario } from './scenario-file';

const stepsOf = (steps: unknown[]) => parseScenario(JSON.stringify({ name: 'unit', endpoint: { enactors: ['e1'] }, steps }), 'f.json').steps;

describe('endpointIdFor', () => {
  it('lower-cases the name, turns the rest into dashes and adds the run suffix', () => {
    expect(endpointIdFor('Incident Replay!', 'k3x9a2')).toBe('incident-replay-k3x9a2');
    expect(endpointIdFor('--cleanup__guards--', 'abc123')).toBe('cleanup-guards-abc123');
  });

  it('stays within 63 characters and valid however long or odd the name', () => {
    for (const name of ['x'.repeat(200), 'a-'.repeat(40), 'ÄÖÜ', '   ', '9 lives', 'a'.repeat(56) + '-b']) {
      const id = endpointIdFor(name, newRunSuffix());
      expect(id.length).toBeLessThanOrEqual(63);
      expect(id).toMatch(ENDPOINT_ID_PATTERN);
    }
    expect(endpointIdFor('ÄÖÜ', 'abcdef')).toBe('scenario-abcdef');
  });

  it('gives each run a different suffix', () => {
    const suffixes = new Set(Array.from({ length: 100 }, () => newRunSuffix()));
    expect(suffixes.size).toBe(100);
    for (const suffix of suffixes) expect(suffix).toMatch(/^[a-z0-9]{6}$/);
  });
});

describe('stepRecordValue', () => {
  it('builds a command the domain parses as valid, with a generated id unique per endpoint and step', () => {
    const [propose, apply] = stepsOf([
      { as: 'planner', do: 'ProposePlan', generation: 2, records: ['192.0.2.1'] },
      { as: 'enactor:e1', do: 'ApplyPlan', generation: 2 },
    ]);
    const parsed = parseCommand(stepRecordValue(propose!, 'ep-abc123', signer), 'ep-abc123');
    expect(parsed).toEqual({
      ok: true,
      command: {
        commandId: 'ep-abc123-s1',
        endpointId: 'ep-abc123',
        actor: { role: 'planner', id: 'planner-1' },
        type: 'ProposePlan',
        payload: { generation: 2, records: [{ address: '192.0.2.1', weight: 1 }], ttl: 60 },
        signature: { key: signer.keyOf({ role: 'planner', id: 'planner-1' }).publicKey, sig: expect.any(String) as string },
      },
    });
    expect(JSON.parse(stepRecordValue(apply!, 'ep-abc123', signer))).toMatchObject({ commandId: 'ep-abc123-s2', actor: { role: 'enactor', id: 'e1' } });
  });

  it('uses a fixed commandId as given', () => {
    const [step] = stepsOf([{ as: 'janitor', do: 'DeletePlan', generation: 1, commandId: 'dup-1' }]);
    expect(JSON.parse(stepRecordValue(step!, 'ep-x', signer))).toMatchObject({ commandId: 'dup-1', type: 'DeletePlan', payload: { generation: 1 } });
  });

  it('sends raw values as they are', () => {
    const [step] = stepsOf([{ raw: '{"type":"ProposePlan"}', expect: 'MALFORMED' }]);
    expect(stepRecordValue(step!, 'ep-x', signer)).toBe('{"type":"ProposePlan"}');
  });

  it('passes payload values the sequencer must judge through unchanged', () => {
    const [step] = stepsOf([{ as: 'planner', do: 'ProposePlan', generation: 'one', records: [] }]);
    const parsed = parseCommand(stepRecordValue(step!, 'ep-x', signer), 'ep-x');
    expect(parsed.ok).toBe(false);
  });
});

describe('keySteps', () => {
  it('registers the key of every non-operator actor the scenario names, once each, as the runner\'s operator', () => {
    const steps = stepsOf([
      { as: 'planner', do: 'ProposePlan', generation: 1, records: ['192.0.2.1'] },
      { as: 'enactor:e1', do: 'ApplyPlan', generation: 1 },
      { as: 'enactor:e1', do: 'ConfirmApplied', generation: 1 },
      { as: 'enactor:e9', do: 'ApplyPlan', generation: 1 },
      { as: 'operator', do: 'OperatorActivate', generation: 1, reason: 'r' },
      { raw: 'x' },
    ]);
    const keys = keySteps(steps, signer);
    expect(keys.map((step) => step.payload['actor'])).toEqual([
      { role: 'planner', id: 'planner-1' },
      { role: 'enactor', id: 'e1' },
      { role: 'enactor', id: 'e9' },
    ]);
    for (const [i, step] of keys.entries()) {
      expect(step).toMatchObject({ index: i + 1, label: 'key', expect: 'accepted', type: 'RegisterActorKey', actor: { role: 'operator' } });
      const parsed = parseCommand(stepRecordValue(step, 'ep-x', signer), 'ep-x');
      expect(parsed).toMatchObject({ ok: true, command: { commandId: `ep-x-key${i + 1}`, payload: { publicKey: signer.keyOf(step.payload['actor'] as never).publicKey } } });
    }
  });
});

describe('registrationStep', () => {
  it('is step 0, a RegisterEndpoint by operator-1 expecting accepted, that the domain parses as valid', () => {
    const payload = { enactors: ['a'], quorum: 1, minValidPlans: 1, maxCapacityDropPercent: 100 };
    const step = registrationStep(payload);
    expect(step).toMatchObject({ index: 0, expect: 'accepted', actor: { role: 'operator', id: 'operator-1' } });
    expect(parseCommand(stepRecordValue(step, 'ep-x', signer), 'ep-x')).toMatchObject({ ok: true, command: { type: 'RegisterEndpoint', payload } });
    expect(describeStep(step)).toBe('RegisterEndpoint [a] q1 min1 drop100%');
  });
});

describe('describing steps', () => {
  it('names actor and command with its generation', () => {
    const [propose, activate, raw] = stepsOf([
      { as: 'planner', do: 'ProposePlan', generation: 1, records: ['192.0.2.1', '192.0.2.2'] },
      { as: 'operator', do: 'OperatorActivate', generation: 2, reason: 'planned drain' },
      { raw: 'this is not json' },
    ]);
    expect([describeActor(propose!), describeStep(propose!)]).toEqual(['planner-1', 'ProposePlan g1 2 records']);
    expect([describeActor(activate!), describeStep(activate!)]).toEqual(['operator-1', 'OperatorActivate g2 "planned drain"']);
    expect([describeActor(raw!), describeStep(raw!)]).toEqual(['-', 'raw "this is not json"']);
  });
});
