import type { Logger } from '@plan-fabric/config';
import type { Actor, FabricEvent } from '@plan-fabric/domain';
import type { CommandSink } from './command-sink';
import { DecidedState } from './decided-state';
import { OwnCommands } from './own-commands';
import { DEMO_RECORDS_PER_PLAN, recordsForGeneration } from './plan-records';
import type { Reporter } from './reporter';
import { sleep } from './timing';

export interface PlannerOptions {
  readonly endpointId: string;
  readonly plannerId: string;
  /** Time between proposals; 0 proposes only on request (proposeNow). */
  readonly intervalMs: number;
  /** Stop after this many proposals; 0 for no limit. */
  readonly count?: number;
  readonly ttl?: number;
  readonly recordsPerPlan?: number;
  /** Stall between choosing its first plan and sending it, to stage a slow planner. */
  readonly stallMs?: number;
}

/**
 * Proposes new plans of increasing generations, on a schedule or on request.
 * The next generation is one above the highest it proposed or saw proposed,
 * so a restarted planner continues the sequence (command id
 * `<planner>:propose:<generation>`, so a resend is a duplicate).
 */
export class Planner {
  private readonly decided: DecidedState;
  private readonly own = new OwnCommands();
  private readonly actor: Actor;
  private lastProposed = 0;
  private proposals = 0;
  private timer: NodeJS.Timeout | null = null;
  private proposing: Promise<unknown> = Promise.resolve();
  readonly stats = { proposed: 0, accepted: 0, refused: 0 };

  constructor(
    private readonly options: PlannerOptions,
    private readonly sink: CommandSink,
    private readonly reporter: Reporter,
    private readonly logger: Logger,
  ) {
    this.decided = new DecidedState(options.endpointId);
    this.actor = { role: 'planner', id: options.plannerId };
  }

  get state() {
    return this.decided.state;
  }

  onEvent = (event: FabricEvent): void => {
    if (!this.decided.apply(event)) return;
    const outcome = this.own.settle(event);
    if (outcome === null) return;
    if (outcome.outcome === 'accepted') this.stats.accepted++;
    else if (outcome.outcome === 'rejected') this.stats.refused++;
    this.reporter.report('outcome', {
      commandId: outcome.commandId,
      command: outcome.type,
      generation: outcome.generation,
      outcome: outcome.outcome,
      reason: outcome.reason,
    });
  };

  /** Starts the schedule: the first proposal now, then one every intervalMs until `count`. */
  start(): void {
    if (this.options.intervalMs <= 0 || this.timer !== null) return;
    let scheduled = 0;
    const count = this.options.count ?? 0;
    const tick = () => {
      if (count > 0 && scheduled >= count) {
        this.stopTimer();
        // Reported once the scheduled proposals are on the log.
        this.proposing.then(
          () => this.reporter.report('done', { proposals: this.proposals }),
          () => undefined,
        );
        return;
      }
      scheduled++;
      this.proposeNow().catch((error) => this.logger.error('proposal failed', { error }));
    };
    this.timer = setInterval(tick, this.options.intervalMs);
    tick();
  }

  async stop(): Promise<void> {
    this.stopTimer();
    await this.proposing.catch(() => undefined);
  }

  /** Proposes the next generation now; resolves with it once the command is on the log. */
  proposeNow(): Promise<number> {
    const next = this.proposing.catch(() => undefined).then(() => this.proposeOne());
    this.proposing = next;
    return next;
  }

  private async proposeOne(): Promise<number> {
    const generation = Math.max(this.lastProposed, this.decided.state.highestProposed) + 1;
    this.lastProposed = generation;
    this.proposals++;
    const command = {
      commandId: `${this.options.plannerId}:propose:${generation}`,
      endpointId: this.options.endpointId,
      actor: this.actor,
      type: 'ProposePlan' as const,
      payload: {
        generation,
        records: recordsForGeneration(generation, this.options.recordsPerPlan ?? DEMO_RECORDS_PER_PLAN),
        ttl: this.options.ttl ?? 60,
      },
    };
    if (this.proposals === 1 && (this.options.stallMs ?? 0) > 0) {
      this.reporter.report('stall', { generation, stallMs: this.options.stallMs ?? 0 });
      await sleep(this.options.stallMs ?? 0);
    }
    this.own.sent(command);
    this.stats.proposed++;
    this.reporter.report('propose', { generation });
    await this.sink.publish(command);
    return generation;
  }

  private stopTimer(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }
}
