import { randomBytes } from 'node:crypto';
import { canonicalJson, type Actor, type Command } from '@plan-fabric/domain';
import type { Signer } from '@plan-fabric/identity';
import { ENDPOINT_ID_PATTERN } from '@plan-fabric/kafka';
import type { CommandStep, RegistrationPayload, ScenarioStep } from './scenario-file';

export const RUNNER_OPERATOR: Actor = { role: 'operator', id: 'operator-1' };
const SUFFIX_LENGTH = 6;
const ENDPOINT_ID_LENGTH_MAX = 63;

/** A short random suffix so each run gets a fresh endpoint (and fresh topics). */
export function newRunSuffix(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(SUFFIX_LENGTH)].map((byte) => alphabet[byte % alphabet.length]).join('');
}

/** `Incident Replay!` + `k3x9a2` → `incident-replay-k3x9a2`, always valid per ENDPOINT_ID_PATTERN. */
export function endpointIdFor(name: string, suffix: string): string {
  const slug =
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+/, '')
      .slice(0, ENDPOINT_ID_LENGTH_MAX - suffix.length - 1)
      .replace(/-+$/, '') || 'scenario';
  const endpointId = `${slug}-${suffix}`;
  if (!ENDPOINT_ID_PATTERN.test(endpointId)) {
    throw new Error(`endpoint id '${endpointId}' built from scenario name '${name}' does not match ${ENDPOINT_ID_PATTERN}`);
  }
  return endpointId;
}

/** The runner's registration of the endpoint, played as step 0 (printed `reg`) expecting `accepted`. */
export function registrationStep(payload: RegistrationPayload): CommandStep {
  return { kind: 'command', index: 0, expect: 'accepted', actor: RUNNER_OPERATOR, type: 'RegisterEndpoint', payload, commandId: null };
}

/**
 * The runner's registration of the key of every non-operator actor the
 * scenario names, played before its steps (printed `key`), each expecting
 * `accepted`: the runner holds a registered key for each, so a scenario's
 * outcomes mean what they meant before commands were signed (operators sign
 * with the trust root).
 */
export function keySteps(steps: readonly ScenarioStep[], signer: Signer): CommandStep[] {
  const actors = new Map<string, Actor>();
  for (const step of steps) {
    if (step.kind === 'command' && step.actor.role !== 'operator') actors.set(`${step.actor.role}:${step.actor.id}`, step.actor);
  }
  return [...actors.values()].map((actor, i) => ({
    kind: 'command',
    index: i + 1,
    expect: 'accepted',
    actor: RUNNER_OPERATOR,
    type: 'RegisterActorKey',
    payload: { actor, publicKey: signer.keyOf(actor).publicKey },
    commandId: null,
    label: 'key',
  }));
}

/** The record value a step sends: its `raw` string as it is, or the command built from it, signed by its actor. */
export function stepRecordValue(step: ScenarioStep, endpointId: string, signer: Signer): string {
  if (step.kind === 'raw') return step.raw;
  // Built from the file as written: a payload the file got wrong is the sequencer's to reject.
  const command = {
    commandId: step.commandId ?? `${endpointId}-${step.label ?? 's'}${step.index}`,
    endpointId,
    actor: step.actor,
    type: step.type,
    payload: step.payload,
  } as Command;
  return canonicalJson(signer.sign(command));
}

/** `ApplyPlan g3`, `OperatorActivate g2 "planned drain"`, `raw "this is not json"`. */
export function describeStep(step: ScenarioStep): string {
  if (step.kind === 'raw') return `raw ${clip(JSON.stringify(step.raw), 40)}`;
  const { payload } = step;
  const parts: string[] = [step.type];
  if (payload['generation'] !== undefined) parts.push(`g${String(payload['generation'])}`);
  if (step.type === 'ProposePlan' && Array.isArray(payload['records'])) {
    parts.push(`${payload['records'].length} record${payload['records'].length === 1 ? '' : 's'}`);
  }
  if (step.type === 'RegisterEndpoint') parts.push(describeRegistration(payload));
  const keyOwner = payload['actor'] as { role?: unknown; id?: unknown } | undefined;
  if (step.type === 'RegisterActorKey' && keyOwner !== undefined) parts.push(`${String(keyOwner.role)}:${String(keyOwner.id)}`);
  if (payload['reason'] !== undefined) parts.push(clip(JSON.stringify(payload['reason']), 30));
  if (step.commandId !== null) parts.push(`id=${step.commandId}`);
  return parts.join(' ');
}

function describeRegistration(payload: Readonly<Record<string, unknown>>): string {
  const enactors = Array.isArray(payload['enactors']) ? payload['enactors'].join(',') : String(payload['enactors']);
  return `[${enactors}] q${String(payload['quorum'])} min${String(payload['minValidPlans'])} drop${String(payload['maxCapacityDropPercent'])}%`;
}

export function describeActor(step: ScenarioStep): string {
  if (step.kind === 'raw') return step.label ?? '-';
  return step.actor.role === 'enactor' ? `enactor:${step.actor.id}` : step.actor.id;
}

function clip(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}
