import { describe, expect, it } from 'vitest';
import { canonicalJson, labelledKey, signAsSim, signCommand, simKey, type Command } from '@plan-fabric/domain';
import { commandText, signedCommand, textOf, unsignedCommandText } from './command-text';

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
  {
    commandId: 'k',
    endpointId: 'ep',
    actor: { role: 'operator', id: 'op' },
    type: 'RegisterActorKey',
    payload: { publicKey: simKey({ role: 'planner', id: 'pl' }).publicKey, actor: { role: 'planner', id: 'pl' } },
  },
  { commandId: 'x', endpointId: 'ep', actor: { role: 'operator', id: 'op' }, type: 'RevokeActorKey', payload: { publicKey: simKey({ role: 'planner', id: 'pl' }).publicKey } },
];

describe('commandText: the record text producers write', () => {
  it.each(commands.map((command) => [command.type, command] as const))('%s is byte for byte its canonical JSON', (_type, command) => {
    expect(unsignedCommandText(command.commandId, command.endpointId, command.actor, command.type, command.payload)).toBe(canonicalJson(command));
  });

  it.each(commands.map((command) => [command.type, command] as const))('%s signed is byte for byte the canonical JSON of the signed command', (_type, command) => {
    const signed = signAsSim(command);
    expect(textOf(command)).toBe(canonicalJson(signed));
    expect(textOf(signed)).toBe(canonicalJson(signed));
    expect(commandText(command.commandId, command.endpointId, command.actor, command.type, command.payload)).toBe(canonicalJson(signed));
    // Again, from the cache.
    expect(signedCommand(command)).toEqual({ command: signed, text: canonicalJson(signed) });
  });

  it('signs with the key it is given, and keeps a signature the command already has', () => {
    const other = labelledKey('command-text spec');
    const command = commands[2]!;
    expect(textOf(command, other)).toBe(canonicalJson(signCommand(command, other)));
    const foreign = { ...command, signature: { key: 'k', sig: 's' } };
    expect(textOf(foreign)).toBe(canonicalJson(foreign));
  });
});
