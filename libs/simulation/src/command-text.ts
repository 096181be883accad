import {
  signCommand,
  simKey,
  type Actor,
  type Command,
  type CommandPayloads,
  type CommandSignature,
  type CommandType,
  type SigningKey,
} from '@plan-fabric/domain';

/**
 * A command as the record text a producer writes: canonical JSON, signed, as
 * the Kafka publisher sends it. Built with its keys already in canonical
 * (sorted) order, so the engine's JSON.stringify gives the canonical bytes —
 * the simulator and the explorer make millions of these (command-text.spec.ts
 * holds it equal to canonicalJson for every command type, signed or not).
 */
export function unsignedCommandText<T extends CommandType>(commandId: string, endpointId: string, actor: Actor, type: T, payload: CommandPayloads[T]): string {
  return JSON.stringify({
    actor: { id: actor.id, role: actor.role },
    commandId,
    endpointId,
    payload: sortedPayload(type, payload as CommandPayloads[CommandType]),
    type,
  });
}

/** The command signed by `key` (its actor's simulation key by default), as record text. */
export function commandText<T extends CommandType>(
  commandId: string,
  endpointId: string,
  actor: Actor,
  type: T,
  payload: CommandPayloads[T],
  key: SigningKey = simKey(actor),
): string {
  return signText(unsignedCommandText(commandId, endpointId, actor, type, payload), key).text;
}

/**
 * The command's record text: with its own signature if it has one, else signed
 * by `key` (its actor's simulation key by default).
 */
export function textOf(command: Command, key: SigningKey = simKey(command.actor)): string {
  const unsigned = unsignedCommandText(command.commandId, command.endpointId, command.actor, command.type, command.payload);
  return command.signature === undefined ? signText(unsigned, key).text : withSignature(unsigned, command.signature);
}

/** The command with its signature by `key` (its actor's simulation key by default), and its record text. */
export function signedCommand(command: Command, key: SigningKey = simKey(command.actor)): { command: Command; text: string } {
  const unsigned = unsignedCommandText(command.commandId, command.endpointId, command.actor, command.type, command.payload);
  const { text, signature } = signText(unsigned, key);
  return { command: { ...command, signature }, text };
}

/**
 * Signed texts already made, by key and unsigned text. Ed25519 signing is
 * deterministic, so a cached signature is the one signing again would give;
 * the explorer decides the same few hundred commands millions of times, and
 * seeds of the simulator repeat most applies, confirms and deletes. Bounded:
 * emptied when full.
 */
const signedTexts = new Map<string, { readonly text: string; readonly signature: CommandSignature }>();
const SIGNED_TEXTS_MAX = 20_000;

function signText(unsigned: string, key: SigningKey): { readonly text: string; readonly signature: CommandSignature } {
  const cacheKey = `${key.publicKey}\n${unsigned}`;
  const known = signedTexts.get(cacheKey);
  if (known !== undefined) return known;
  const signature = signCommand(JSON.parse(unsigned) as Command, key).signature!;
  const signed = { text: withSignature(unsigned, signature), signature };
  if (signedTexts.size >= SIGNED_TEXTS_MAX) signedTexts.clear();
  signedTexts.set(cacheKey, signed);
  return signed;
}

/** The canonical text with `signature` in its place: between `payload` and `type`, the last member. */
function withSignature(unsigned: string, signature: CommandSignature): string {
  const at = unsigned.lastIndexOf(',"type":');
  return `${unsigned.slice(0, at)},"signature":${JSON.stringify({ key: signature.key, sig: signature.sig })}${unsigned.slice(at)}`;
}

function sortedPayload(type: CommandType, payload: CommandPayloads[CommandType]): object {
  switch (type) {
    case 'ProposePlan': {
      const p = payload as CommandPayloads['ProposePlan'];
      return { generation: p.generation, records: p.records.map((r) => ({ address: r.address, weight: r.weight })), ttl: p.ttl };
    }
    case 'ApplyPlan':
    case 'ConfirmApplied':
    case 'DeletePlan':
      return { generation: (payload as CommandPayloads['ApplyPlan']).generation };
    case 'OperatorActivate': {
      const p = payload as CommandPayloads['OperatorActivate'];
      return { generation: p.generation, reason: p.reason };
    }
    default:
      // Rare (registrations and key changes): sorted generically.
      return sorted(payload) as object;
  }
}

/** The value with every object's keys in sorted order (JSON.stringify keeps insertion order for non-index keys). */
function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const member = (value as Record<string, unknown>)[key];
    if (member !== undefined) out[key] = sorted(member);
  }
  return out;
}
