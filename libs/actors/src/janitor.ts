import type { Logger } from '@plan-fabric/config';
import type { Actor, FabricEvent, RejectionReason } from '@plan-fabric/domain';
import type { CommandSink } from './command-sink';
import { DecidedState } from './decided-state';
import { OwnCommands } from './own-commands';
import type { Reporter } from './reporter';
import { sleep } from './timing';

export interface JanitorOptions {
  readonly endpointId: string;
  readonly janitorId: string;
  /** Time between sweeps. */
  readonly intervalMs: number;
  /** Fallback plans kept below the active one: plans older than (active generation − keep) are deleted. */
  readonly keep: number;
  /** Stall between choosing what to delete and sending the deletes (its first sweep with work), to stage a stale view. */
  readonly stallMs?: number;
}

/** Delete refusals that stand for a delete that would have been unsafe. */
export const UNSAFE_DELETE_REASONS: readonly RejectionReason[] = ['DELETE_ACTIVE_PLAN', 'WOULD_LEAVE_NO_VALID_PLAN', 'QUORUM_NOT_REACHED'];

export interface JanitorStats {
  deletesSent: number;
  deletesAccepted: number;
  deletesRefused: Record<string, number>;
}

/**
 * Cleans up old plans: every sweep it asks to delete each plan older than
 * (active generation − keep). It does not check quorum or validity itself —
 * that is the sequencer's job, and a refused delete is retried on a later
 * sweep under a new command id (`<janitor>:delete:<generation>:<attempt>`;
 * a resend of the same attempt is a duplicate, not a second delete).
 */
export class Janitor {
  private readonly decided: DecidedState;
  private readonly own = new OwnCommands();
  private readonly actor: Actor;
  /** Generation -> refused attempts so far; a generation with an attempt in flight is in `inFlight`. */
  private readonly attempts = new Map<number, number>();
  private readonly ownDeleteId: RegExp;
  private readonly inFlight = new Set<number>();
  private timer: NodeJS.Timeout | null = null;
  private sweeping: Promise<void> = Promise.resolve();
  private stalled = false;
  private readonly stopping = new AbortController();
  readonly stats: JanitorStats = { deletesSent: 0, deletesAccepted: 0, deletesRefused: {} };

  constructor(
    private readonly options: JanitorOptions,
    private readonly sink: CommandSink,
    private readonly reporter: Reporter,
    private readonly logger: Logger,
  ) {
    if (!Number.isSafeInteger(options.keep) || options.keep < 0) throw new Error(`janitor keep ${options.keep} must be an integer ≥ 0`);
    this.decided = new DecidedState(options.endpointId);
    this.actor = { role: 'janitor', id: options.janitorId };
    this.ownDeleteId = new RegExp(`^${options.janitorId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:delete:(\\d+):(\\d+)$`);
  }

  get state() {
    return this.decided.state;
  }

  onEvent = (event: FabricEvent): void => {
    if (!this.decided.apply(event)) return;
    this.countRefusedAttempt(event);
    const outcome = this.own.settle(event);
    if (outcome === null || outcome.generation === null) return;
    this.inFlight.delete(outcome.generation);
    if (outcome.outcome === 'accepted') this.stats.deletesAccepted++;
    else if (outcome.outcome === 'rejected') {
      const reason = outcome.reason ?? 'UNKNOWN';
      this.stats.deletesRefused[reason] = (this.stats.deletesRefused[reason] ?? 0) + 1;
    }
    this.reporter.report('outcome', {
      commandId: outcome.commandId,
      command: outcome.type,
      generation: outcome.generation,
      outcome: outcome.outcome,
      reason: outcome.reason,
      unsafe: outcome.reason !== null && UNSAFE_DELETE_REASONS.includes(outcome.reason),
    });
  };

  /**
   * Attempts are counted from the events log, not from memory: a janitor that
   * restarts reads the log from the start and so never resends a refused
   * attempt's id (which would be a duplicate forever).
   */
  private countRefusedAttempt(event: FabricEvent): void {
    if (event.type !== 'CommandRejected' || event.commandId === null) return;
    const match = this.ownDeleteId.exec(event.commandId);
    if (match === null) return;
    const generation = Number(match[1]);
    const next = Number(match[2]) + 1;
    if (next > (this.attempts.get(generation) ?? 0)) this.attempts.set(generation, next);
  }

  start(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => {
      this.sweeping = this.sweeping
        .then(() => this.sweep())
        .then(
          () => undefined,
          (error: unknown) => this.logger.error('sweep failed; trying again on the next', { error }),
        );
    }, this.options.intervalMs);
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.sweeping;
  }

  /** One clean-up pass over the decided state; returns the generations it asked to delete. */
  async sweep(): Promise<number[]> {
    const state = this.decided.state;
    if (state.active === null) return [];
    const cutoff = state.active.generation - this.options.keep;
    const doomed = [...state.plans.values()]
      .filter((plan) => !plan.deleted && plan.generation < cutoff && !this.inFlight.has(plan.generation))
      .map((plan) => plan.generation)
      .sort((a, b) => a - b);
    if (doomed.length > 0 && !this.stalled && (this.options.stallMs ?? 0) > 0) {
      this.stalled = true;
      this.reporter.report('stall', { generations: doomed.join(','), activeGeneration: state.active.generation, stallMs: this.options.stallMs ?? 0 });
      await sleep(this.options.stallMs ?? 0, this.stopping.signal);
    }
    for (const generation of doomed) {
      if (this.stopping.signal.aborted) break;
      const attempt = this.attempts.get(generation) ?? 0;
      const command = {
        commandId: `${this.options.janitorId}:delete:${generation}:${attempt}`,
        endpointId: this.options.endpointId,
        actor: this.actor,
        type: 'DeletePlan' as const,
        payload: { generation },
      };
      // The list was chosen from the state seen before any stall: the sequencer judges it against the state now.
      this.inFlight.add(generation);
      this.own.sent(command);
      this.stats.deletesSent++;
      this.reporter.report('delete', { generation, attempt, activeGeneration: state.active.generation });
      try {
        await this.sink.publish(command);
      } catch (error) {
        // Not sent: the next sweep asks again, under the same command id (a duplicate if it did arrive).
        this.inFlight.delete(generation);
        throw error;
      }
    }
    return doomed;
  }
}
