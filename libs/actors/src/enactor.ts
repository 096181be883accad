import type { Logger } from '@plan-fabric/config';
import type { Actor, Command, FabricEvent } from '@plan-fabric/domain';
import type { CommandSink } from './command-sink';
import { DecidedState } from './decided-state';
import type { DnsBackend } from './dns-backend';
import { OwnCommands } from './own-commands';
import type { Reporter } from './reporter';
import { SerialTrigger, sleep } from './timing';

export interface EnactorOptions {
  readonly endpointId: string;
  readonly enactorId: string;
  /**
   * Stall between one of its own claims being decided (the PlanActivated of
   * its ApplyPlan) and its backend write — the incident's slow enactor.
   */
  readonly stallMs?: number;
  /** How many of its own decided claims it stalls after (the first ones); default 1 when stallMs is set. */
  readonly stallCount?: number;
  /** Think time between deciding to claim a newer plan and sending ApplyPlan. */
  readonly claimDelayMs?: number;
  /** Time a backend write takes (work done before the write reaches the backend). */
  readonly applyMs?: number;
}

/** Wait before retrying a step that failed on the backend or on Kafka. */
export const ENACTOR_RETRY_MS = 500;

export interface EnactorStats {
  claimsSent: number;
  claimsAccepted: number;
  claimsRefused: Record<string, number>;
  writesAccepted: number;
  /** Writes the backend's fence refused: a newer activation was already served. */
  writesRefused: number;
  confirmsAccepted: number;
  confirmsRefused: Record<string, number>;
  stalls: number;
}

/**
 * Follows the endpoint's decisions and makes the DNS backend serve them.
 *
 * - A plan newer than the active one is claimed with ApplyPlan (command id
 *   `<enactor>:apply:<generation>`, so a resend is a duplicate).
 * - The decided active plan — whoever claimed it — is written to the backend
 *   with its activation number as the fencing token, then confirmed.
 * - With `stallMs`, it pauses between its own claim being decided and the
 *   write; the write then carries an old activation and the backend refuses
 *   it. Afterwards it carries on from the latest decided state.
 */
export class Enactor {
  private readonly decided: DecidedState;
  private readonly own = new OwnCommands();
  private readonly trigger: SerialTrigger;
  private readonly actor: Actor;
  private readonly stopping = new AbortController();
  /** Its own decided claim it will stall after, then write as decided then (however stale by then). */
  private stallTarget: { activation: number; generation: number } | null = null;
  private readonly claimed = new Set<number>();
  /** Highest activation whose write the backend answered (accepted or refused). */
  private written = 0;
  /** An accepted write whose ConfirmApplied is not sent yet. */
  private unconfirmed: { activation: number; generation: number } | null = null;
  private stallsLeft: number;
  readonly stats: EnactorStats = {
    claimsSent: 0,
    claimsAccepted: 0,
    claimsRefused: {},
    writesAccepted: 0,
    writesRefused: 0,
    confirmsAccepted: 0,
    confirmsRefused: {},
    stalls: 0,
  };

  constructor(
    private readonly options: EnactorOptions,
    private readonly sink: CommandSink,
    private readonly backend: DnsBackend,
    private readonly reporter: Reporter,
    private readonly logger: Logger,
  ) {
    this.decided = new DecidedState(options.endpointId);
    this.actor = { role: 'enactor', id: options.enactorId };
    this.stallsLeft = (options.stallMs ?? 0) > 0 ? (options.stallCount ?? 1) : 0;
    this.trigger = new SerialTrigger(
      () => this.reconcile(),
      (error) => {
        // A backend or Kafka error: nothing was lost (the write is idempotent, command ids are deterministic), so try again.
        this.logger.error('enactor step failed; retrying', { error, retryMs: ENACTOR_RETRY_MS });
        if (!this.stopping.signal.aborted) setTimeout(() => this.trigger.fire(), ENACTOR_RETRY_MS).unref();
      },
    );
  }

  get state() {
    return this.decided.state;
  }

  /** Feed every event of the endpoint, in log order. */
  onEvent = (event: FabricEvent): void => {
    if (!this.decided.apply(event)) return;
    if (event.type === 'PlanActivated' && event.data.by.id === this.options.enactorId && this.stallsLeft > 0) {
      this.stallsLeft--;
      this.stallTarget = { activation: event.data.activation, generation: event.data.generation };
    }
    const outcome = this.own.settle(event);
    if (outcome !== null) {
      const refused = outcome.outcome === 'rejected' ? (outcome.reason ?? 'UNKNOWN') : null;
      if (outcome.type === 'ApplyPlan') {
        if (outcome.outcome === 'accepted') this.stats.claimsAccepted++;
        else if (refused !== null) bump(this.stats.claimsRefused, refused);
      } else if (outcome.type === 'ConfirmApplied') {
        if (outcome.outcome === 'accepted') this.stats.confirmsAccepted++;
        else if (refused !== null) bump(this.stats.confirmsRefused, refused);
      }
      this.reporter.report('outcome', {
        commandId: outcome.commandId,
        command: outcome.type,
        generation: outcome.generation,
        outcome: outcome.outcome,
        reason: outcome.reason,
      });
    }
    this.trigger.fire();
  };

  /** Call once the event source is reading: acts on whatever is decided so far. */
  start(): void {
    this.trigger.fire();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.trigger.idle();
  }

  /** Resolves when the enactor has nothing left to do for the state it knows. */
  idle(): Promise<void> {
    return this.trigger.idle();
  }

  private async reconcile(): Promise<void> {
    if (this.stopping.signal.aborted) return;
    await this.confirmWritten();
    await this.writeActivePlan();
    if (this.stopping.signal.aborted) return;
    await this.claimNewestPlan();
  }

  /** Makes the backend serve the decided active plan, fenced by its activation, then confirms it. */
  private async writeActivePlan(): Promise<void> {
    const stalled = this.stallTarget;
    if (stalled !== null) {
      this.stallTarget = null;
      this.stats.stalls++;
      const stallMs = this.options.stallMs ?? 0;
      this.reporter.report('stall', { ...stalled, stallMs });
      this.logger.info('stalling between claim and write', { ...stalled, stallMs });
      await sleep(stallMs, this.stopping.signal);
      if (this.stopping.signal.aborted) return;
      // The decision it acts on is the one it saw before the stall: the incident's stale check.
      await this.write(stalled.activation, stalled.generation);
      return;
    }
    const active = this.decided.state.active;
    if (active === null || active.activation <= this.written) return;
    await this.write(active.activation, active.generation);
  }

  private async write(activation: number, generation: number): Promise<void> {
    const plan = this.decided.state.plans.get(generation);
    if (plan === undefined) throw new Error(`activated generation ${generation} has no plan in the folded state`);
    await sleep(this.options.applyMs ?? 0, this.stopping.signal);
    if (this.stopping.signal.aborted) return;
    const result = await this.backend.write(
      this.options.endpointId,
      { activation, generation, records: plan.records, ttl: plan.ttl },
      this.options.enactorId,
    );
    this.written = Math.max(this.written, activation);
    const latest = this.decided.state.active;
    this.reporter.report('write', {
      generation,
      activation,
      accepted: result.accepted,
      heldActivation: result.heldActivation,
      latestActivation: latest?.activation ?? null,
    });
    if (!result.accepted) {
      this.stats.writesRefused++;
      this.logger.info('backend refused a stale write (fenced)', { generation, activation, heldActivation: result.heldActivation });
      return;
    }
    this.stats.writesAccepted++;
    this.unconfirmed = { activation, generation };
    await this.confirmWritten();
  }

  /** Confirms the last accepted write (again after a failed send: the command id makes a resend a duplicate). */
  private async confirmWritten(): Promise<void> {
    const written = this.unconfirmed;
    if (written === null) return;
    await this.send({
      commandId: `${this.options.enactorId}:confirm:${written.generation}:${written.activation}`,
      endpointId: this.options.endpointId,
      actor: this.actor,
      type: 'ConfirmApplied',
      payload: { generation: written.generation },
    });
    if (this.unconfirmed === written) this.unconfirmed = null;
  }

  /** Claims the newest proposed plan if it is newer than the active one. */
  private async claimNewestPlan(): Promise<void> {
    const state = this.decided.state;
    if (state.config === null || !state.config.enactors.includes(this.options.enactorId)) return;
    const newest = state.plans.get(state.highestProposed);
    if (newest === undefined || newest.deleted || this.claimed.has(newest.generation)) return;
    if (newest.generation <= (state.active?.generation ?? 0) || newest.proposedSeq < state.operatorFloorSeq) return;
    // Checked once, here; by the time the claim is sequenced it may be stale, and the sequencer says so.
    this.claimed.add(newest.generation);
    await sleep(this.options.claimDelayMs ?? 0, this.stopping.signal);
    if (this.stopping.signal.aborted) return;
    this.stats.claimsSent++;
    this.reporter.report('claim', { generation: newest.generation, activeGeneration: state.active?.generation ?? null });
    await this.send({
      commandId: `${this.options.enactorId}:apply:${newest.generation}`,
      endpointId: this.options.endpointId,
      actor: this.actor,
      type: 'ApplyPlan',
      payload: { generation: newest.generation },
    });
  }

  private async send(command: Command): Promise<void> {
    this.own.sent(command);
    await this.sink.publish(command);
  }
}

function bump(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}
