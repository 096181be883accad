// The schemas declare JSON Schema 2020-12; ajv's default export knows only draft-07.
import Ajv from 'ajv/dist/2020';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020';
import envelopeSchema from './schemas/command-envelope.schema.json';
import registerEndpointSchema from './schemas/commands/RegisterEndpoint.schema.json';
import proposePlanSchema from './schemas/commands/ProposePlan.schema.json';
import applyPlanSchema from './schemas/commands/ApplyPlan.schema.json';
import confirmAppliedSchema from './schemas/commands/ConfirmApplied.schema.json';
import deletePlanSchema from './schemas/commands/DeletePlan.schema.json';
import operatorActivateSchema from './schemas/commands/OperatorActivate.schema.json';
import registerActorKeySchema from './schemas/commands/RegisterActorKey.schema.json';
import revokeActorKeySchema from './schemas/commands/RevokeActorKey.schema.json';

export const ROLES = ['planner', 'enactor', 'janitor', 'operator'] as const;
export type Role = (typeof ROLES)[number];

export interface Actor {
  readonly role: Role;
  readonly id: string;
}

export interface ActorKeyEntry {
  readonly actor: Actor;
  readonly publicKey: string;
}

export interface PlanRecord {
  readonly address: string;
  readonly weight: number;
}

export interface CommandPayloads {
  RegisterEndpoint: {
    readonly enactors: readonly string[];
    readonly quorum: number;
    readonly minValidPlans: number;
    readonly maxCapacityDropPercent: number;
    /** Actor keys registered with the endpoint in the same step. */
    readonly keys?: readonly ActorKeyEntry[];
  };
  ProposePlan: { readonly generation: number; readonly records: readonly PlanRecord[]; readonly ttl: number };
  ApplyPlan: { readonly generation: number };
  ConfirmApplied: { readonly generation: number };
  DeletePlan: { readonly generation: number };
  OperatorActivate: { readonly generation: number; readonly reason: string };
  RegisterActorKey: { readonly actor: Actor; readonly publicKey: string };
  RevokeActorKey: { readonly publicKey: string };
}

export type CommandType = keyof CommandPayloads;
export const COMMAND_TYPES = Object.keys({
  RegisterEndpoint: 0,
  ProposePlan: 0,
  ApplyPlan: 0,
  ConfirmApplied: 0,
  DeletePlan: 0,
  OperatorActivate: 0,
  RegisterActorKey: 0,
  RevokeActorKey: 0,
} satisfies Record<CommandType, 0>) as readonly CommandType[];

export type Command = {
  [T in CommandType]: {
    readonly commandId: string;
    readonly endpointId: string;
    readonly actor: Actor;
    readonly type: T;
    readonly payload: CommandPayloads[T];
    /** Absent only on a command not yet signed; the sequencer rejects those NOT_AUTHENTICATED. */
    readonly signature?: CommandSignature;
  };
}[CommandType];

/** Who signed a command (an Ed25519 public key) and the signature, both base64url without padding. */
export interface CommandSignature {
  readonly key: string;
  readonly sig: string;
}

export type CommandOf<T extends CommandType> = Extract<Command, { type: T }>;

/** Which role may issue which command. */
export const COMMAND_ROLE: Readonly<Record<CommandType, Role>> = {
  RegisterEndpoint: 'operator',
  ProposePlan: 'planner',
  ApplyPlan: 'enactor',
  ConfirmApplied: 'enactor',
  DeletePlan: 'janitor',
  OperatorActivate: 'operator',
  RegisterActorKey: 'operator',
  RevokeActorKey: 'operator',
};

/** Limits enforced before any decision; a record beyond them is MALFORMED. */
export const LIMITS = {
  /** UTF-8 size of one command record's value. */
  commandBytesMax: 64 * 1024,
  /** Records in one plan (schema maxItems). */
  planRecordsMax: 256,
  /** Enactors of one endpoint (schema maxItems). */
  enactorsMax: 64,
  /** Length of ids (commandId, actor id, enactor ids). */
  idLengthMax: 128,
} as const;

// strictNumbers off: a JSON number too large for a double (1e400) is still of JSON type number, so it
// reaches the command's own range check (INVALID_PLAN…) rather than being MALFORMED; no event echoes it.
const ajv = new Ajv({ allErrors: false, strict: true, strictNumbers: false });
const validateEnvelope = ajv.compile(envelopeSchema);
const validatePayload: Readonly<Record<CommandType, ValidateFunction>> = {
  RegisterEndpoint: ajv.compile(registerEndpointSchema),
  ProposePlan: ajv.compile(proposePlanSchema),
  ApplyPlan: ajv.compile(applyPlanSchema),
  ConfirmApplied: ajv.compile(confirmAppliedSchema),
  DeletePlan: ajv.compile(deletePlanSchema),
  OperatorActivate: ajv.compile(operatorActivateSchema),
  RegisterActorKey: ajv.compile(registerActorKeySchema),
  RevokeActorKey: ajv.compile(revokeActorKeySchema),
};

/** What could be read of a record that is not a valid command, for its rejection. */
export interface MalformedCommand {
  readonly ok: false;
  readonly detail: string;
  readonly commandId: string | null;
  readonly type: string | null;
  readonly actor: Actor | null;
}

export type ParsedCommand = { readonly ok: true; readonly command: Command } | MalformedCommand;

/**
 * Parses one command record's value (null for a record with no value) as a
 * command for `endpointId`, the endpoint whose log it was read from.
 */
export function parseCommand(value: string | null, endpointId: string): ParsedCommand {
  if (value === null) return malformed('the record has no value', null);
  const bytes = utf8ByteLength(value);
  if (bytes > LIMITS.commandBytesMax) {
    return malformed(`the record is ${bytes} bytes; commandBytesMax is ${LIMITS.commandBytesMax}`, null);
  }
  let document: unknown;
  try {
    document = JSON.parse(value);
  } catch {
    // Not the engine's message: it differs between Node versions, and a replay must reproduce the detail byte for byte.
    return malformed(`not JSON: ${JSON.stringify(value.slice(0, 32))}${value.length > 32 ? '…' : ''}`, null);
  }
  if (!validateEnvelope(document)) {
    return malformed(`envelope: ${describe(validateEnvelope.errors)}`, document);
  }
  const envelope = document as Command;
  if (!validatePayload[envelope.type](envelope.payload)) {
    return malformed(`${envelope.type} payload: ${describe(validatePayload[envelope.type].errors)}`, document);
  }
  if (envelope.endpointId !== endpointId) {
    return malformed(`endpointId '${envelope.endpointId}' does not belong on the log of endpoint '${endpointId}'`, document);
  }
  return { ok: true, command: envelope };
}

function malformed(detail: string, document: unknown): MalformedCommand {
  const fields = isObject(document) ? document : {};
  const actor = fields['actor'];
  return {
    ok: false,
    detail,
    commandId: typeof fields['commandId'] === 'string' ? clip(fields['commandId']) : null,
    type: typeof fields['type'] === 'string' ? clip(fields['type']) : null,
    // Echoed only when it is a well-formed actor: the CommandRejected schema holds ids of 1..idLengthMax characters.
    actor:
      isObject(actor) &&
      typeof actor['id'] === 'string' &&
      actor['id'].length >= 1 &&
      actor['id'].length <= LIMITS.idLengthMax &&
      typeof actor['role'] === 'string' &&
      (ROLES as readonly string[]).includes(actor['role'])
        ? { role: actor['role'] as Role, id: actor['id'] }
        : null,
  };
}

function describe(errors: readonly ErrorObject[] | null | undefined): string {
  const error = errors?.[0];
  if (!error) return 'invalid';
  const where = error.instancePath === '' ? '(root)' : error.instancePath;
  // The unknown member's name is hostile input: clipped like every echo, or a 64 KiB name makes a 64 KiB event.
  const extra = error.keyword === 'additionalProperties' ? ` '${clip(String(error.params['additionalProperty']))}'` : '';
  return `${where} ${error.message ?? 'is invalid'}${extra}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Keeps echoes of hostile input short in rejection events. */
function clip(text: string): string {
  return text.length > LIMITS.idLengthMax ? `${text.slice(0, LIMITS.idLengthMax)}…` : text;
}

// Native encoding: the size check runs on every record, hostile ones of up to Kafka's 1 MiB included, and
// a JavaScript loop over a 1 MiB string took 20-70 ms of the sequencer's one thread; this takes a few.
// A lone surrogate counts 3 bytes: it is encoded as U+FFFD, as it is on the wire.
const utf8 = new TextEncoder();

export function utf8ByteLength(text: string): number {
  return utf8.encode(text).length;
}
