// The schemas declare JSON Schema 2020-12; ajv's default export knows only draft-07.
import Ajv from 'ajv/dist/2020';
import type { ValidateFunction } from 'ajv/dist/2020';
import type { EventType, FabricEvent } from './events';
import endpointRegistered from './schemas/events/EndpointRegistered.schema.json';
import planProposed from './schemas/events/PlanProposed.schema.json';
import planActivated from './schemas/events/PlanActivated.schema.json';
import planConfirmed from './schemas/events/PlanConfirmed.schema.json';
import planDeleted from './schemas/events/PlanDeleted.schema.json';
import commandRejected from './schemas/events/CommandRejected.schema.json';
import commandDuplicated from './schemas/events/CommandDuplicated.schema.json';
import actorKeyRegistered from './schemas/events/ActorKeyRegistered.schema.json';
import actorKeyRevoked from './schemas/events/ActorKeyRevoked.schema.json';

const ajv = new Ajv({ strict: true });
const validators: Readonly<Record<EventType, ValidateFunction>> = {
  EndpointRegistered: ajv.compile(endpointRegistered),
  PlanProposed: ajv.compile(planProposed),
  PlanActivated: ajv.compile(planActivated),
  PlanConfirmed: ajv.compile(planConfirmed),
  PlanDeleted: ajv.compile(planDeleted),
  CommandRejected: ajv.compile(commandRejected),
  CommandDuplicated: ajv.compile(commandDuplicated),
  ActorKeyRegistered: ajv.compile(actorKeyRegistered),
  ActorKeyRevoked: ajv.compile(actorKeyRevoked),
};

export class EventSchemaError extends Error {
  constructor(message: string) {
    super(`${message} — an event log holds only events the sequencer wrote; check who else can write the events topic`);
    this.name = 'EventSchemaError';
  }
}

/** Parses one event record's value and checks it against its JSON Schema; throws EventSchemaError. */
export function parseEvent(value: string): FabricEvent {
  let document: unknown;
  try {
    document = JSON.parse(value);
  } catch (error) {
    throw new EventSchemaError(`event is not JSON: ${(error as Error).message}`);
  }
  const type = (document as { type?: unknown } | null)?.type;
  const validate = typeof type === 'string' && Object.hasOwn(validators, type) ? validators[type as EventType] : undefined;
  if (validate === undefined) throw new EventSchemaError(`unknown event type ${JSON.stringify(type)}`);
  if (!validate(document)) {
    const error = validate.errors?.[0];
    throw new EventSchemaError(`${type} ${error?.instancePath ?? ''} ${error?.message ?? 'is invalid'}`);
  }
  return document as FabricEvent;
}
