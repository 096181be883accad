import { describe, expect, it } from 'vitest';
import { canonicalJson, type Command } from '@plan-fabric/domain';
import { textOf } from './command-text';

const commands: Command[] = [
  {
    commandId: 'r',
    endpointId: 'ep',
    actor: { role: 'operator', id: 'op' },
    type: 'RegisterEndpoint',
    payload: { quorum: 2, enactors: ['e1', 'e2'], minValidPlans: 1, maxCapacityDropPercent: 50 },
  },
  {
    type: 'ProposePlan',
    commandId: 'p',
    endpointId: 'ep',
    actor: { id: 'pl', role: 'planner' },
    payload: { ttl: 60, generation: 3, records: [{ weight: 2, address: '10.0.0.1' }] },
  },
  { commandId: 'a', endpointId: 'ep', actor: { role: 'enactor', id: 'e1' }, type: 'ApplyPlan', payload: { generation: 3 } },
  { commandId: 'c', endpointId: 'ep', actor: { role: 'enactor', id: 'e1' }, type: 'ConfirmApplied', payload: { generation: 3 } },
  { commandId: 'd', endpointId: 'ep', actor: { role: 'janitor', id: 'j' }, type: 'DeletePlan', payload: { generation: 1 } },
  { commandId: 'o', endpointId: 'ep', actor: { role: 'operator', id: 'op' }, type: 'OperatorActivate', payload: { reason: 'rollback', generation: 2 } },
];

describe('commandText: the record text producers write', () => {
  it.each(commands.map((command) => [command.type, command] as const))('%s is byte for byte its canonical JSON', (_type, command) => {
    expect(textOf(command)).toBe(canonicalJson(command));
  });
});
