import type { Actor, Command, CommandPayloads, CommandType } from '@plan-fabric/domain';

/**
 * A command as the record text a producer writes: canonical JSON, as the
 * Kafka publisher sends it. Built with its keys already in canonical (sorted)
 * order, so the engine's JSON.stringify gives the canonical bytes — the
 * simulator and the explorer make millions of these (command-text.spec.ts
 * holds it equal to canonicalJson for every command type).
 */
export function commandText<T extends CommandType>(commandId: string, endpointId: string, actor: Actor, type: T, payload: CommandPayloads[T]): string {
  return JSON.stringify({
    actor: { id: actor.id, role: actor.role },
    commandId,
    endpointId,
    payload: sortedPayload(payload as CommandPayloads[CommandType]),
    type,
  });
}

export function textOf(command: Command): string {
  return commandText(command.commandId, command.endpointId, command.actor, command.type, command.payload);
}

function sortedPayload(payload: CommandPayloads[CommandType]): object {
  if ('records' in payload) {
    return { generation: payload.generation, records: payload.records.map((r) => ({ address: r.address, weight: r.weight })), ttl: payload.ttl };
  }
  if ('enactors' in payload) {
    return { enactors: payload.enactors, maxCapacityDropPercent: payload.maxCapacityDropPercent, minValidPlans: payload.minValidPlans, quorum: payload.quorum };
  }
  if ('reason' in payload) return { generation: payload.generation, reason: payload.reason };
  return { generation: payload.generation };
}
