import { readFile } from 'node:fs/promises';
import {
  COMMAND_TYPES,
  REJECTION_REASONS,
  type Actor,
  type CommandPayloads,
  type CommandType,
  type RejectionReason,
} from '@plan-fabric/domain';

/** A scenario file as the runner plays it (SCENARIOS.md), defaults applied. */
export interface Scenario {
  readonly file: string;
  readonly name: string;
  readonly about: string | null;
  /** What the runner registers before the steps; null when a step registers the endpoint itself (or there is no `endpoint`). */
  readonly registration: RegistrationPayload | null;
  readonly steps: readonly ScenarioStep[];
  readonly final: ScenarioFinal | null;
}

export type RegistrationPayload = CommandPayloads['RegisterEndpoint'];

export type Expectation = 'accepted' | 'duplicate' | RejectionReason;
export const EXPECTATIONS: readonly Expectation[] = ['accepted', 'duplicate', ...REJECTION_REASONS];

export type ScenarioStep = CommandStep | RawStep;

interface StepBase {
  /** 1-based, as printed. */
  readonly index: number;
  /** Null: printed, not checked. */
  readonly expect: Expectation | null;
}

export interface CommandStep extends StepBase {
  readonly kind: 'command';
  readonly actor: Actor;
  readonly type: CommandType;
  /** As the file gives it (records normalized, defaults added); the sequencer judges the values. */
  readonly payload: Readonly<Record<string, unknown>>;
  /** Fixed by the file, or null for one generated per run. */
  readonly commandId: string | null;
  /** Set on the runner's own key registrations: printed in place of the index. */
  readonly label?: 'key';
}

export interface RawStep extends StepBase {
  readonly kind: 'raw';
  /** Sent as the record value as it is. */
  readonly raw: string;
  /** `as` / `do` of a raw step, for the printed line only. */
  readonly label: string | null;
}

export interface ScenarioFinal {
  readonly activeGeneration?: number | null;
  readonly validGenerations?: readonly number[];
  readonly deletedGenerations?: readonly number[];
  readonly confirmed?: Readonly<Record<string, number | null>>;
}

/** A file the runner cannot play; `message` names the file and, where it applies, the step. */
export class ScenarioFileError extends Error {
  override readonly name = 'ScenarioFileError';
}

export const REGISTRATION_DEFAULTS = { quorum: 1, minValidPlans: 1, maxCapacityDropPercent: 100 } as const;
export const TTL_DEFAULT = 60;

/** Payload fields per command type: the keys a step may carry besides as/do/expect/commandId/raw. */
export const PAYLOAD_FIELDS: { readonly [T in CommandType]: readonly (keyof CommandPayloads[T])[] } = {
  RegisterEndpoint: ['enactors', 'quorum', 'minValidPlans', 'maxCapacityDropPercent'],
  ProposePlan: ['generation', 'records', 'ttl'],
  ApplyPlan: ['generation'],
  ConfirmApplied: ['generation'],
  DeletePlan: ['generation'],
  OperatorActivate: ['generation', 'reason'],
  RegisterActorKey: ['actor', 'publicKey'],
  RevokeActorKey: ['publicKey'],
};

const TOP_KEYS = ['name', 'about', 'endpoint', 'steps', 'final'];
const ENDPOINT_KEYS = ['enactors', 'quorum', 'minValidPlans', 'maxCapacityDropPercent'];
const STEP_KEYS = ['as', 'do', 'expect', 'commandId', 'raw'];
const FINAL_KEYS = ['activeGeneration', 'validGenerations', 'deletedGenerations', 'confirmed'];
/** Keys any object may carry for people: `$schema`, `comment`. */
const NOTE_KEYS = ['$schema', 'comment'];
/** Bounds on what one file may ask for. */
export const SCENARIO_LIMITS = { stepsMax: 10_000, fileBytesMax: 16 * 1024 * 1024 } as const;

export async function loadScenarioFile(file: string): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ScenarioFileError(`${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  return parseScenario(text, file);
}

export function parseScenario(text: string, file: string): Scenario {
  if (Buffer.byteLength(text, 'utf8') > SCENARIO_LIMITS.fileBytesMax) {
    throw new ScenarioFileError(`${file}: larger than ${SCENARIO_LIMITS.fileBytesMax} bytes`);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new ScenarioFileError(`${file}: not JSON (${(error as Error).message})`);
  }
  const at = (where: string) => (message: string) => new ScenarioFileError(`${file}: ${where}${message}`);
  const top = at('');
  if (!isObject(document)) throw top('a scenario is a JSON object with name, endpoint, steps and (optionally) final');
  rejectUnknownKeys(document, TOP_KEYS, top);

  const name = document['name'];
  if (typeof name !== 'string' || name.trim() === '') throw top('`name` must be a non-empty string');
  const about = document['about'];
  if (about !== undefined && typeof about !== 'string') throw top('`about` must be a string');

  const stepsValue = document['steps'];
  if (!Array.isArray(stepsValue) || stepsValue.length === 0) throw top('`steps` must be a non-empty list');
  if (stepsValue.length > SCENARIO_LIMITS.stepsMax) throw top(`more than ${SCENARIO_LIMITS.stepsMax} steps`);
  const steps = stepsValue.map((step, i) => parseStep(step, i + 1, at(`step ${i + 1}: `)));

  const endpoint = document['endpoint'] === undefined ? null : parseEndpoint(document['endpoint'], at('endpoint: '));
  const registersItself = steps.some((step) => step.kind === 'command' && step.type === 'RegisterEndpoint');
  const final = document['final'] === undefined ? null : parseFinal(document['final'], at('final: '));

  return {
    file,
    name,
    about: about ?? null,
    registration: registersItself ? null : endpoint,
    steps,
    final,
  };
}

type Fail = (message: string) => ScenarioFileError;

function parseEndpoint(value: unknown, fail: Fail): RegistrationPayload {
  if (!isObject(value)) throw fail('must be an object like { "enactors": ["az1"], "quorum": 1 }');
  rejectUnknownKeys(value, ENDPOINT_KEYS, fail);
  const enactors = value['enactors'];
  if (!Array.isArray(enactors) || !enactors.every((id) => typeof id === 'string')) {
    throw fail('`enactors` must be a list of enactor ids (strings)');
  }
  const number = (key: keyof typeof REGISTRATION_DEFAULTS): number => {
    const given = value[key];
    if (given === undefined) return REGISTRATION_DEFAULTS[key];
    if (typeof given !== 'number') throw fail(`\`${key}\` must be a number`);
    return given;
  };
  return {
    enactors,
    quorum: number('quorum'),
    minValidPlans: number('minValidPlans'),
    maxCapacityDropPercent: number('maxCapacityDropPercent'),
  };
}

function parseStep(value: unknown, index: number, fail: Fail): ScenarioStep {
  if (!isObject(value)) throw fail('a step is an object like { "as": "planner", "do": "ProposePlan", … }');
  const expect = parseExpect(value['expect'], fail);
  const commandId = value['commandId'];
  if (commandId !== undefined && (typeof commandId !== 'string' || commandId === '')) {
    throw fail('`commandId` must be a non-empty string');
  }

  if (value['raw'] !== undefined) {
    const raw = value['raw'];
    if (typeof raw !== 'string') throw fail('`raw` must be a string (the record value, sent as it is)');
    // A raw step replaces the command built from the step; `as`/`do` only label the printed line.
    const label = [value['as'], value['do']].filter((part) => typeof part === 'string').join(' ');
    return { kind: 'raw', index, expect, raw, label: label === '' ? null : label };
  }

  const actor = parseActor(value['as'], fail);
  const type = value['do'];
  if (typeof type !== 'string' || !(COMMAND_TYPES as readonly string[]).includes(type)) {
    throw fail(`\`do\` must be one of ${COMMAND_TYPES.join(', ')} (got ${JSON.stringify(type)})`);
  }
  const commandType = type as CommandType;
  const fields: readonly string[] = PAYLOAD_FIELDS[commandType];
  const payload: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (STEP_KEYS.includes(key) || NOTE_KEYS.includes(key)) continue;
    if (!fields.includes(key)) {
      throw fail(`unknown key \`${key}\` for ${commandType} (its payload fields are ${fields.join(', ')}; use \`raw\` to send extra fields)`);
    }
    payload[key] = key === 'records' ? normalizeRecords(field) : field;
  }
  if (commandType === 'ProposePlan' && payload['ttl'] === undefined) payload['ttl'] = TTL_DEFAULT;
  if (commandType === 'RegisterEndpoint') {
    for (const [key, fallback] of Object.entries(REGISTRATION_DEFAULTS)) {
      if (payload[key] === undefined) payload[key] = fallback;
    }
  }
  return { kind: 'command', index, expect, actor, type: commandType, payload, commandId: commandId ?? null };
}

/** `as`: planner, janitor, operator (ids planner-1, …) or enactor:<id>. */
export function parseActor(value: unknown, fail: Fail): Actor {
  if (value === 'planner' || value === 'janitor' || value === 'operator') return { role: value, id: `${value}-1` };
  if (typeof value === 'string' && value.startsWith('enactor:') && value.length > 'enactor:'.length) {
    return { role: 'enactor', id: value.slice('enactor:'.length) };
  }
  throw fail(`\`as\` must be planner, janitor, operator or enactor:<id> (got ${JSON.stringify(value)})`);
}

/** A list of address strings means weight 1 each; anything else goes to the sequencer as written. */
function normalizeRecords(value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  return value.map((record) => (typeof record === 'string' ? { address: record, weight: 1 } : record));
}

function parseExpect(value: unknown, fail: Fail): Expectation | null {
  if (value === undefined) return null;
  if (typeof value === 'string' && (EXPECTATIONS as readonly string[]).includes(value)) return value as Expectation;
  throw fail(`\`expect\` must be accepted, duplicate or a rejection reason (${REJECTION_REASONS.join(', ')}); got ${JSON.stringify(value)}`);
}

function parseFinal(value: unknown, fail: Fail): ScenarioFinal {
  if (!isObject(value)) throw fail('must be an object with activeGeneration, validGenerations, deletedGenerations, confirmed');
  rejectUnknownKeys(value, FINAL_KEYS, fail);
  const final: {
    activeGeneration?: number | null;
    validGenerations?: readonly number[];
    deletedGenerations?: readonly number[];
    confirmed?: Readonly<Record<string, number | null>>;
  } = {};
  const active = value['activeGeneration'];
  if (active !== undefined) {
    if (active !== null && typeof active !== 'number') throw fail('`activeGeneration` must be a number or null');
    final.activeGeneration = active;
  }
  for (const key of ['validGenerations', 'deletedGenerations'] as const) {
    const list = value[key];
    if (list === undefined) continue;
    if (!Array.isArray(list) || !list.every((item) => typeof item === 'number')) {
      throw fail(`\`${key}\` must be a list of generations (numbers)`);
    }
    final[key] = list;
  }
  const confirmed = value['confirmed'];
  if (confirmed !== undefined) {
    if (!isObject(confirmed) || !Object.values(confirmed).every((g) => g === null || typeof g === 'number')) {
      throw fail('`confirmed` must map enactor ids to a generation or null');
    }
    final.confirmed = confirmed as Record<string, number | null>;
  }
  return final;
}

function rejectUnknownKeys(value: Record<string, unknown>, known: readonly string[], fail: Fail): void {
  const unknown = Object.keys(value).filter((key) => !known.includes(key) && !NOTE_KEYS.includes(key));
  if (unknown.length > 0) {
    throw fail(`unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((key) => `\`${key}\``).join(', ')} (known: ${known.join(', ')})`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
