import type { Logger } from '@plan-fabric/config';
import { DEMO_RECORDS_PER_PLAN, recordsForGeneration } from '../plan-records';
import type { Reporter } from '../reporter';
import { sleep } from '../timing';
import type { NaiveStore } from './naive-store';

/**
 * The incident's actors, without a sequencer: each reads and writes the
 * shared tables directly, and each acts on a check it made when it started.
 * Same knobs as the fabric's actors, so the demo can run both on one schedule.
 */
abstract class Loop {
  protected readonly stopping = new AbortController();
  private running: Promise<void> | null = null;

  constructor(
    protected readonly everyMs: number,
    protected readonly logger: Logger,
  ) {}

  start(): void {
    if (this.running !== null) return;
    this.running = (async () => {
      while (!this.stopping.signal.aborted) {
        try {
          if (await this.step()) break;
        } catch (error) {
          this.logger.error('step failed; trying again', { error });
        }
        await sleep(this.everyMs, this.stopping.signal);
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.running;
  }

  /** One pass; returns true when the loop is finished. */
  protected abstract step(): Promise<boolean>;
}

export interface NaivePlannerOptions {
  readonly endpointId: string;
  readonly plannerId: string;
  readonly intervalMs: number;
  readonly count?: number;
  readonly ttl?: number;
  readonly recordsPerPlan?: number;
}

export class NaivePlanner extends Loop {
  private proposals = 0;

  constructor(
    private readonly options: NaivePlannerOptions,
    private readonly store: NaiveStore,
    private readonly reporter: Reporter,
    logger: Logger,
  ) {
    super(options.intervalMs, logger);
  }

  protected async step(): Promise<boolean> {
    const count = this.options.count ?? 0;
    if (count > 0 && this.proposals >= count) {
      this.reporter.report('done', { proposals: this.proposals });
      return true;
    }
    const generation = (await this.store.highestGeneration(this.options.endpointId)) + 1;
    this.proposals++;
    const records = recordsForGeneration(generation, this.options.recordsPerPlan ?? DEMO_RECORDS_PER_PLAN);
    await this.store.proposePlan(this.options.endpointId, { generation, records, ttl: this.options.ttl ?? 60 }, this.options.plannerId);
    this.reporter.report('propose', { generation });
    return false;
  }
}

export interface NaiveEnactorOptions {
  readonly endpointId: string;
  readonly enactorId: string;
  /** How often it looks for a newer plan. */
  readonly pollMs: number;
  /** Stall between its check and its write (the first `stallCount` pick-ups; default 1). */
  readonly stallMs?: number;
  readonly stallCount?: number;
  readonly claimDelayMs?: number;
  readonly applyMs?: number;
  /** Wait before retrying an apply that failed. */
  readonly retryMs?: number;
}

export const LIVE_PLAN_MISSING = 'live plan missing';

/**
 * Picks up the newest plan, checks once that it is newer than the one the
 * backend serves, (stalls), then writes the backend unconditionally. Applying
 * computes a diff against the live plan, so when the live plan no longer
 * exists the apply fails — the state no enactor could leave in the incident.
 */
export class NaiveEnactor extends Loop {
  private lastPicked = 0;
  private retryAt = 0;
  private stallsLeft: number;
  readonly stats = { writes: 0, staleWrites: 0, applyFailures: 0, stalls: 0 };

  constructor(
    private readonly options: NaiveEnactorOptions,
    private readonly store: NaiveStore,
    private readonly reporter: Reporter,
    logger: Logger,
  ) {
    super(options.pollMs, logger);
    this.stallsLeft = (options.stallMs ?? 0) > 0 ? (options.stallCount ?? 1) : 0;
  }

  protected async step(): Promise<boolean> {
    const { endpointId, enactorId } = this.options;
    const newest = await this.store.newestPlan(endpointId);
    if (newest === null) return false;
    if (newest.generation < this.lastPicked) return false;
    // Its last pick-up: done (retryAt 0), or failed and waiting to retry.
    if (newest.generation === this.lastPicked && (this.retryAt === 0 || Date.now() < this.retryAt)) return false;
    const live = await this.store.readLive(endpointId);
    // The one check: is the newest plan newer than the applied one? It is never made again.
    if (live !== null && newest.generation <= live.generation) return false;
    this.lastPicked = newest.generation;
    this.retryAt = 0;
    this.reporter.report('claim', { generation: newest.generation, liveGeneration: live?.generation ?? null });
    await sleep(this.options.claimDelayMs ?? 0, this.stopping.signal);
    if (this.stallsLeft > 0) {
      this.stallsLeft--;
      this.stats.stalls++;
      this.reporter.report('stall', { generation: newest.generation, stallMs: this.options.stallMs ?? 0 });
      await sleep(this.options.stallMs ?? 0, this.stopping.signal);
    }
    await sleep(this.options.applyMs ?? 0, this.stopping.signal);
    if (this.stopping.signal.aborted) return true;
    const liveNow = await this.store.readLive(endpointId);
    if (liveNow !== null && !(await this.store.planExists(endpointId, liveNow.generation))) {
      this.stats.applyFailures++;
      this.retryAt = Date.now() + (this.options.retryMs ?? 1_000);
      this.reporter.report('apply-failed', { generation: newest.generation, liveGeneration: liveNow.generation, reason: LIVE_PLAN_MISSING });
      this.logger.warn('cannot apply: the live plan no longer exists to diff against', {
        generation: newest.generation,
        liveGeneration: liveNow.generation,
      });
      return false;
    }
    const result = await this.store.writeUnfenced(endpointId, newest, enactorId);
    const stale = result.heldGeneration !== null && result.heldGeneration > newest.generation;
    this.stats.writes++;
    if (stale) this.stats.staleWrites++;
    this.reporter.report('write', { generation: newest.generation, accepted: true, heldGeneration: result.heldGeneration, stale });
    return false;
  }
}

export interface NaiveJanitorOptions {
  readonly endpointId: string;
  readonly janitorId: string;
  readonly intervalMs: number;
  /** Plans more than `keep` generations older than the newest applied one are deleted, with their records. */
  readonly keep: number;
}

export class NaiveJanitor extends Loop {
  readonly stats = { plansDeleted: 0, liveDeletes: 0 };

  constructor(
    private readonly options: NaiveJanitorOptions,
    private readonly store: NaiveStore,
    private readonly reporter: Reporter,
    logger: Logger,
  ) {
    super(options.intervalMs, logger);
  }

  protected async step(): Promise<boolean> {
    const { endpointId, janitorId, keep } = this.options;
    const newestApplied = await this.store.newestApplied(endpointId);
    if (newestApplied === null) return false;
    const result = await this.store.cleanup(endpointId, newestApplied - keep, janitorId);
    for (const generation of result.deletedPlans) {
      const wasLive = generation === result.liveGeneration;
      this.stats.plansDeleted++;
      if (wasLive) this.stats.liveDeletes++;
      this.reporter.report('delete', { generation, what: 'plan', wasLive, newestApplied });
    }
    for (const generation of result.clearedRecords) {
      this.reporter.report('delete', { generation, what: 'records', wasLive: true, newestApplied });
    }
    return false;
  }
}
