import type { FabricConfig, Logger } from '@plan-fabric/config';
import { signAsSim, simKey, SIM_ROOT, type Actor, type Command, type CommandPayloads, type CommandType } from '@plan-fabric/domain';
import { CommandPublisher, createKafka } from '@plan-fabric/kafka';
import { Random } from './random';

/** One send the broker acknowledged: the record is at `offset` of the endpoint's command topic. */
export interface AckedSend {
  readonly endpointId: string;
  readonly commandId: string;
  readonly type: CommandType;
  readonly offset: number;
  /** A resend of a command that was already acknowledged (the producer "lost" the ack and retried): its outcome must be CommandDuplicated. */
  readonly resend: boolean;
  /** 1 for the first try; more after failed or timed-out sends (whether those reached the log is unknown). */
  readonly attempt: number;
}

export interface LoadSettings {
  /** Mean pause of an enactor between its commands; the other actors scale from it. */
  readonly enactorIntervalMs: number;
  /** Fraction of acknowledged commands sent again under the same commandId. */
  readonly resendFraction: number;
  /** Longest one attempt to send may take before it is abandoned and retried on a new producer. */
  readonly sendAttemptTimeoutMs: number;
  /** Longest a command is retried before the actor gives up on it (reported as unacknowledged). */
  readonly sendGiveUpMs: number;
}

export const DEFAULT_LOAD_SETTINGS: LoadSettings = {
  enactorIntervalMs: 400,
  resendFraction: 0.05,
  sendAttemptTimeoutMs: 20_000,
  sendGiveUpMs: 120_000,
};

export interface LoadCounts {
  /** Sends acknowledged, resends included. */
  readonly acked: number;
  /** Distinct command ids acknowledged at least once. */
  readonly uniqueCommands: number;
  /** Resends after an acknowledgement (same commandId). */
  readonly resendsAfterAck: number;
  /** Resends after a failed or timed-out send (same commandId, on a new producer). */
  readonly resendsAfterError: number;
  /** Commands never acknowledged within sendGiveUpMs. */
  readonly gaveUp: number;
}

const ENACTORS = ['az-a', 'az-b', 'az-c'] as const;
const OPERATOR: Actor = { role: 'operator', id: 'chaos-operator' };
/** Every actor of an endpoint but the operator, who signs with the trust root: their keys are registered through the log first. */
const KEYED_ACTORS: readonly Actor[] = [
  { role: 'planner', id: 'planner-1' },
  ...ENACTORS.map((id): Actor => ({ role: 'enactor', id })),
  { role: 'janitor', id: 'janitor-1' },
];

/**
 * The trust roots the run's sequencers and its audit must use: the load signs
 * with the simulation identities (libs/domain sim-identities), whose root is
 * SIM_ROOT. Its private key derives from a public label: a chaos stack is a
 * private, throw-away one, never a deployment.
 */
export const CHAOS_TRUST_ROOTS: readonly string[] = [SIM_ROOT.publicKey];

/**
 * A steady command load on a few endpoints: per endpoint a planner proposing
 * plans, three enactors applying and confirming them (and now and then a stale
 * generation), a janitor deleting old plans, an operator rolling back once in
 * a while. They do not read events: they act on what they have sent, so the
 * sequencer accepts much and rejects some, as in production. All actors of an
 * endpoint share one idempotent producer and send concurrently.
 */
export class CommandLoad {
  private readonly acks: AckedSend[] = [];
  private readonly unique = new Set<string>();
  private resendsAfterAck = 0;
  private resendsAfterError = 0;
  private gaveUp = 0;
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly publishers = new Map<string, Promise<CommandPublisher>>();
  private readonly wakers = new Set<() => void>();

  constructor(
    private readonly config: FabricConfig,
    private readonly endpoints: readonly string[],
    private readonly seed: number,
    private readonly logger: Logger,
    private readonly settings: LoadSettings = DEFAULT_LOAD_SETTINGS,
  ) {}

  /**
   * Registers every endpoint's actor keys and then the endpoint (the operator's commands, signed by the
   * trust root; waits for the acknowledgements), then starts the actors, who sign with their simulation keys.
   */
  async start(): Promise<void> {
    this.running = true;
    await Promise.all(
      this.endpoints.map(async (endpointId) => {
        for (const actor of KEYED_ACTORS) {
          await this.send(endpointId, 'RegisterActorKey', OPERATOR, `${endpointId}.key.${actor.role}.${actor.id}`, { actor, publicKey: simKey(actor).publicKey });
        }
        await this.send(endpointId, 'RegisterEndpoint', OPERATOR, `${endpointId}.register`, {
          enactors: [...ENACTORS],
          quorum: 2,
          minValidPlans: 2,
          maxCapacityDropPercent: 50,
        });
      }),
    );
    this.endpoints.forEach((endpointId, index) => {
      const actors = new EndpointActors(this, endpointId, index, new Random(this.seed + index * 7919), this.settings.enactorIntervalMs);
      this.loops.push(...actors.loops());
    });
  }

  /** Stops the actors after their current send (each send is bounded) and closes the producers. */
  async stop(): Promise<void> {
    this.running = false;
    for (const wake of [...this.wakers]) wake();
    await Promise.all(this.loops);
    await Promise.all(
      [...this.publishers.values()].map(async (pending) => {
        const publisher = await pending.catch(() => null);
        await withTimeout(publisher?.disconnect() ?? Promise.resolve(), 10_000).catch(() => undefined);
      }),
    );
  }

  get isRunning(): boolean {
    return this.running;
  }

  sent(): readonly AckedSend[] {
    return this.acks;
  }

  counts(): LoadCounts {
    return {
      acked: this.acks.length,
      uniqueCommands: this.unique.size,
      resendsAfterAck: this.resendsAfterAck,
      resendsAfterError: this.resendsAfterError,
      gaveUp: this.gaveUp,
    };
  }

  /** Sleeps, or less when the load stops. */
  pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.wakers.delete(finish);
        resolve();
      };
      const timer = setTimeout(finish, ms);
      this.wakers.add(finish);
    });
  }

  /**
   * Publishes one command until the broker acknowledges it: a failed or slow
   * attempt is retried under the same commandId on a fresh producer (a stuck
   * idempotent producer is recreated, never reused). Returns false if it gave up.
   */
  async send<T extends CommandType>(endpointId: string, type: T, actor: Actor, commandId: string, payload: CommandPayloads[T], resend = false): Promise<boolean> {
    // Signed with the actor's simulation key (the trust root for the operator); a resend carries the same signature.
    const command = signAsSim({ commandId, endpointId, actor, type, payload } as Command);
    const deadline = Date.now() + this.settings.sendGiveUpMs;
    for (let attempt = 1; ; attempt++) {
      const pending = this.publisherFor(endpointId);
      try {
        const publisher = await pending;
        const { offset } = await withTimeout(publisher.publish(command), this.settings.sendAttemptTimeoutMs);
        this.acks.push({ endpointId, commandId, type, offset, resend, attempt });
        this.unique.add(commandId);
        return true;
      } catch (error) {
        if (Date.now() > deadline) {
          this.gaveUp++;
          this.logger.error('gave up sending a command', { endpointId, commandId, error });
          return false;
        }
        this.resendsAfterError++;
        this.replacePublisher(endpointId, pending);
        await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 200 * attempt)));
      }
    }
  }

  /** After an acknowledgement: sometimes send it again, as a producer that lost the ack would. */
  async maybeResend<T extends CommandType>(random: Random, endpointId: string, type: T, actor: Actor, commandId: string, payload: CommandPayloads[T]): Promise<void> {
    if (!random.chance(this.settings.resendFraction)) return;
    if (await this.send(endpointId, type, actor, commandId, payload, true)) this.resendsAfterAck++;
  }

  private publisherFor(endpointId: string): Promise<CommandPublisher> {
    let pending = this.publishers.get(endpointId);
    if (pending === undefined) {
      pending = (async () => {
        const publisher = new CommandPublisher(createKafka(this.config, `chaos-load-${endpointId}`, this.logger, 'operator'), this.config);
        await withTimeout(publisher.connect(), this.settings.sendAttemptTimeoutMs).catch(async (error: unknown) => {
          await publisher.disconnect().catch(() => undefined);
          throw error;
        });
        return publisher;
      })();
      this.publishers.set(endpointId, pending);
    }
    return pending;
  }

  private replacePublisher(endpointId: string, failed: Promise<CommandPublisher>): void {
    if (this.publishers.get(endpointId) !== failed) return; // another actor already replaced it
    this.publishers.delete(endpointId);
    void failed.then((publisher) => withTimeout(publisher.disconnect(), 10_000)).catch(() => undefined);
  }
}

/** The actors of one endpoint, as async loops over what they have sent so far. */
class EndpointActors {
  private proposed = 0;
  private nextGeneration = 1;
  private counter = 0;

  constructor(
    private readonly load: CommandLoad,
    private readonly endpointId: string,
    private readonly index: number,
    private readonly random: Random,
    private readonly intervalMs: number,
  ) {}

  loops(): Promise<void>[] {
    return [this.planner(), ...ENACTORS.map((id) => this.enactor(id)), this.janitor(), this.operator()];
  }

  private id(actor: string): string {
    return `${this.endpointId}.${actor}.${++this.counter}`;
  }

  private async command<T extends CommandType>(type: T, actor: Actor, payload: CommandPayloads[T]): Promise<boolean> {
    const commandId = this.id(actor.id);
    const acked = await this.load.send(this.endpointId, type, actor, commandId, payload);
    if (acked) await this.load.maybeResend(this.random, this.endpointId, type, actor, commandId, payload);
    return acked;
  }

  private async planner(): Promise<void> {
    const actor: Actor = { role: 'planner', id: 'planner-1' };
    while (this.load.isRunning) {
      const generation = this.nextGeneration++;
      // Now and then a plan with far less capacity: enactors' applies of it are CAPACITY_DROP_TOO_LARGE.
      const weight = this.random.chance(0.05) ? 1 : 10;
      const records = [
        { address: `10.${this.index}.${(generation >> 8) & 255}.${generation & 255}`, weight },
        { address: `10.${100 + this.index}.${(generation >> 8) & 255}.${generation & 255}`, weight },
      ];
      if (await this.command('ProposePlan', actor, { generation, records, ttl: 60 })) this.proposed = Math.max(this.proposed, generation);
      await this.load.pause(this.random.jitter(this.intervalMs * 2));
    }
  }

  private async enactor(id: string): Promise<void> {
    const actor: Actor = { role: 'enactor', id };
    let applied = 0;
    while (this.load.isRunning) {
      const target = this.proposed;
      if (target > applied) {
        // Often another enactor activated it first (ALREADY_ACTIVE); the confirmation still counts.
        await this.command('ApplyPlan', actor, { generation: target });
        await this.command('ConfirmApplied', actor, { generation: target });
        applied = target;
      } else if (target > 2 && this.random.chance(0.3)) {
        // A stalled enactor's late apply of an older plan: STALE_GENERATION, PLAN_DELETED, …
        await this.command('ApplyPlan', actor, { generation: target - this.random.int(1, 2) });
      }
      await this.load.pause(this.random.jitter(this.intervalMs));
    }
  }

  private async janitor(): Promise<void> {
    const actor: Actor = { role: 'janitor', id: 'janitor-1' };
    while (this.load.isRunning) {
      const generation = this.proposed - this.random.int(1, 4);
      if (generation >= 1) await this.command('DeletePlan', actor, { generation });
      await this.load.pause(this.random.jitter(this.intervalMs * 2));
    }
  }

  private async operator(): Promise<void> {
    const actor = OPERATOR;
    await this.load.pause(this.random.jitter(this.intervalMs * 20));
    while (this.load.isRunning) {
      const generation = this.proposed - 1;
      if (generation >= 1) await this.command('OperatorActivate', actor, { generation, reason: 'chaos: roll back one generation' });
      await this.load.pause(this.random.jitter(this.intervalMs * 40));
    }
  }
}

export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
