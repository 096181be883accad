import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { LIMITS, type Command, type CommandOf, type Outcome } from '@plan-fabric/domain';
import { endpointEventLog, endpointView, outcomeAt } from '@plan-fabric/db';
import { ENDPOINT_ID_PATTERN, type CommandPublisher, type Published } from '@plan-fabric/kafka';
import type { Signer } from '@plan-fabric/identity';
import { dryRun, dryRunRecord, type DryRun } from './dry-run';

/** A request an operator got wrong: the API answers 400 or 404, the CLI prints it and exits 2. */
export class OperatorInputError extends Error {
  override readonly name = 'OperatorInputError';
  constructor(
    message: string,
    readonly kind: 'invalid' | 'unknown-endpoint',
  ) {
    super(message);
  }
}

export interface ActivateRequest {
  readonly endpointId: string;
  readonly generation: unknown;
  readonly reason: unknown;
  /** The operator's id: the actor of the command. */
  readonly operatorId: unknown;
  /** To retry a request without a second command: the same id is decided once (a repeat is a duplicate). */
  readonly commandId?: unknown;
}

export interface ActivateResult {
  readonly endpointId: string;
  readonly commandId: string;
  readonly commandTopic: string;
  readonly commandOffset: number;
  /** `pending`: published, but no outcome was projected within outcomeWaitMs; it will be decided all the same. */
  readonly outcome: Outcome | 'pending';
  readonly reason: string | null;
  readonly detail: string | null;
  /** Seq of the event that carries the outcome. */
  readonly seq: number | null;
  /** The endpoint's active generation once the outcome was projected. */
  readonly activeGeneration: number | null;
}

export interface OperatorActionLimits {
  readonly outcomeWaitMs: number;
  readonly outcomePollMs: number;
}

/** How OperatorActions reaches Kafka: connected on first use, so reading works while Kafka is away. */
export interface PublisherSource {
  publisher(): Promise<CommandPublisher>;
}

/**
 * The operator's two actions, shared by the HTTP API and the CLI. Reads go
 * through the read-only pool; the only thing ever written is the
 * OperatorActivate command record, by the CommandPublisher.
 */
export class OperatorActions {
  constructor(
    private readonly pool: Pool,
    private readonly publishers: PublisherSource,
    private readonly limits: OperatorActionLimits,
    /** Signs the operator's commands (the key directory's root, on a developer's stack). */
    private readonly signer: Signer,
  ) {}

  /** Publishes OperatorActivate {generation, reason} and waits (bounded) for its outcome in fabric.decisions. */
  async activate(request: ActivateRequest): Promise<ActivateResult> {
    const endpointId = checkEndpointId(request.endpointId);
    const generation = request.generation;
    if (typeof generation !== 'number' || !Number.isSafeInteger(generation) || generation < 1) {
      throw new OperatorInputError(`generation must be a positive integer (got ${JSON.stringify(generation) ?? 'nothing'})`, 'invalid');
    }
    const reason = typeof request.reason === 'string' ? request.reason.trim() : '';
    if (reason.length === 0 || reason.length > 512) {
      throw new OperatorInputError('reason must say why, in 1 to 512 characters (it is kept in the event log with the activation)', 'invalid');
    }
    const operatorId = checkId('operator id', request.operatorId);
    const commandId = request.commandId === undefined ? `operator-activate-${randomUUID()}` : checkId('commandId', request.commandId);
    // Publishing to an endpoint nobody registered would create its topics: a typo must not.
    if ((await endpointView(this.pool, endpointId)) === null) {
      throw new OperatorInputError(`endpoint '${endpointId}' is not in the projection; nothing was sent`, 'unknown-endpoint');
    }
    const command: CommandOf<'OperatorActivate'> = {
      commandId,
      endpointId,
      actor: { role: 'operator', id: operatorId },
      type: 'OperatorActivate',
      payload: { generation, reason },
    };
    const published = await (await this.publishers.publisher()).publish(this.signer.sign(command));
    return this.awaitOutcome(endpointId, commandId, published);
  }

  /**
   * Registers or revokes a key on the endpoint (RegisterActorKey / RevokeActorKey,
   * signed by the operator) and waits (bounded) for the outcome. Works before the
   * endpoint is registered: keys may come first.
   */
  async changeKey(
    endpointIdText: string,
    operatorId: string,
    change: { readonly type: 'RegisterActorKey'; readonly payload: CommandOf<'RegisterActorKey'>['payload'] } | { readonly type: 'RevokeActorKey'; readonly payload: CommandOf<'RevokeActorKey'>['payload'] },
  ): Promise<ActivateResult> {
    const endpointId = checkEndpointId(endpointIdText);
    const commandId = `operator-${change.type === 'RegisterActorKey' ? 'register' : 'revoke'}-key-${randomUUID()}`;
    const command = { commandId, endpointId, actor: { role: 'operator', id: checkId('operator id', operatorId) }, ...change } as Command;
    const published = await (await this.publishers.publisher()).publish(this.signer.sign(command));
    return this.awaitOutcome(endpointId, commandId, published);
  }

  /** What the sequencer would decide for `command` now; appends to no log. */
  async dryRun(endpointIdText: string, command: unknown): Promise<DryRun> {
    const endpointId = checkEndpointId(endpointIdText);
    if (command === undefined) throw new OperatorInputError('give the command to try: {"command": {...}} (or a record text as a string)', 'invalid');
    const record = dryRunRecord(endpointId, command);
    return dryRun(endpointId, await endpointEventLog(this.pool, endpointId), record);
  }

  private async awaitOutcome(endpointId: string, commandId: string, published: Published): Promise<ActivateResult> {
    const deadline = Date.now() + this.limits.outcomeWaitMs;
    const base = { endpointId, commandId, commandTopic: published.topic, commandOffset: published.offset };
    for (;;) {
      const outcome = await outcomeAt(this.pool, endpointId, published.offset);
      if (outcome !== null) {
        const view = await endpointView(this.pool, endpointId);
        return { ...base, outcome: outcome.outcome, reason: outcome.reason, detail: outcome.detail, seq: outcome.seq, activeGeneration: view?.activeGeneration ?? null };
      }
      if (Date.now() >= deadline) {
        return { ...base, outcome: 'pending', reason: null, detail: `no outcome projected within ${this.limits.outcomeWaitMs} ms; is the sequencer running?`, seq: null, activeGeneration: null };
      }
      await new Promise((resolve) => setTimeout(resolve, this.limits.outcomePollMs));
    }
  }
}

function checkEndpointId(endpointId: string): string {
  if (!ENDPOINT_ID_PATTERN.test(endpointId)) {
    throw new OperatorInputError(`endpoint id '${endpointId}' must match ${ENDPOINT_ID_PATTERN}`, 'invalid');
  }
  return endpointId;
}

function checkId(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > LIMITS.idLengthMax || /[\u0000-\u001f]/.test(value)) {
    throw new OperatorInputError(`${name} must be 1 to ${LIMITS.idLengthMax} printable characters (got ${JSON.stringify(value) ?? 'nothing'})`, 'invalid');
  }
  return value;
}
