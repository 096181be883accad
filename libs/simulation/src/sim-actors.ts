/**
 * The actors of the simulation as explicit state machines. Each mirrors the
 * behaviour of its real counterpart in libs/actors (planner.ts, enactor.ts,
 * janitor.ts), with every wait turned into a timer on the virtual clock and
 * every I/O into a call on the host. An actor knows the endpoint only through
 * its view — the fold of the events it has read so far (see `read`) — and a
 * crash throws away everything in memory: a restart re-reads the event log.
 */
import {
  initialState,
  labelledKey,
  simKey,
  type Actor,
  type Command,
  type CommandPayloads,
  type CommandType,
  type EndpointState,
  type FabricEvent,
  type PlanRecord,
  type Role,
} from '@plan-fabric/domain';
import type { Draw } from './choices';
import { signedCommand, textOf, unsignedCommandText } from './command-text';
import type { BackendWrite } from './sim-backend';

export const SIM_ENDPOINT = 'sim-endpoint';

/** What the world draws once per run: the shape of the system and how hostile its environment is. */
export interface WorldConfig {
  readonly enactors: number;
  readonly quorum: number;
  readonly minValidPlans: number;
  readonly maxCapacityDropPercent: number;
  readonly planners: number;
  readonly janitors: number;
  readonly janitorKeep: number;
  readonly operators: number;
  /** Percent of commands the network delivers twice (a producer's retry). */
  readonly duplicatePercent: number;
  /** Percent of messages held back long enough to be overtaken (reordering). */
  readonly slowPercent: number;
  /** Percent of event reads that first re-read a few events (a consumer's redelivery). */
  readonly redeliveryPercent: number;
  /** Percent of an enactor's own activations after which it stalls before writing (the incident's slow enactor). */
  readonly stallPercent: number;
  readonly crashes: boolean;
  readonly sequencerFailovers: boolean;
  /** Attackers that send forged commands (unsigned, badly signed, signed for someone else). */
  readonly attackers: number;
}

export type TimerName = 'tick' | 'reconcile' | 'write';

export interface Timer {
  readonly name: TimerName;
  /** For 'write': the decision to write. */
  readonly activation?: number;
  readonly generation?: number;
}

/** What the simulation world offers an actor. */
export interface ActorHost {
  readonly draw: Draw;
  readonly config: WorldConfig;
  /** True once the run stops injecting work and drains. */
  readonly quiescing: boolean;
  readonly eventLog: readonly FabricEvent[];
  send(from: SimActor, command: Command): void;
  /** Genuine commands sent so far, signed, in the order they were sent (what an attacker can read off the command topic). */
  readonly genuineCommands: readonly Command[];
  /** The actors of the world (whom an attacker can claim to be). */
  readonly cast: readonly Actor[];
  /** Sends a forged record (the attacker's); it must be refused NOT_AUTHENTICATED and change nothing. */
  sendForged(from: SimActor, value: string, description: string): void;
  setTimer(actor: SimActor, delayMs: number, timer: Timer): void;
  /** Writes the backend and checks invariant 8; true if the backend accepted the write. */
  writeBackend(actor: SimActor, write: BackendWrite): boolean;
  /** A line for the trace; `stall` counts it as an enactor stall. */
  note(actor: SimActor, text: string, kind?: 'stall'): void;
}

export abstract class SimActor {
  alive = true;
  /** Grows at every crash: timers and reads of an earlier life are dropped. */
  incarnation = 0;
  /** Index in the event log of the next event this actor reads. */
  cursor = 0;
  view: EndpointState = initialState(SIM_ENDPOINT);
  readonly actor: Actor;

  constructor(
    readonly index: number,
    readonly name: string,
    role: Role,
    protected readonly host: ActorHost,
  ) {
    this.actor = { role, id: name };
  }

  abstract readonly crashable: boolean;

  /**
   * Reads one event (in log order; a redelivered one is ignored, as DecidedState does). `after` is the
   * fold of the log up to and including it: evolve is pure, so every reader's fold of the same prefix is
   * the same value, and the world hands out the sequencer's instead of refolding per actor (a fresh fold
   * from scratch is checked against the sequencer's state at every fail-over and at the end of the run).
   */
  read(event: FabricEvent, after: EndpointState): void {
    if (event.seq < this.view.nextSeq) return;
    if (event.seq > this.view.nextSeq) throw new Error(`${this.name}: event seq ${event.seq} where ${this.view.nextSeq} was next`);
    this.view = after;
    this.observe(event, true);
  }

  crash(): void {
    this.alive = false;
    this.incarnation++;
    this.forget();
  }

  /**
   * A new process: re-reads the whole event log (its view becomes the fold of the log, shared as in
   * `read`; the world checks a fresh fold against the sequencer's state at every fail-over and at the
   * end), then starts its timers.
   */
  restart(folded: EndpointState): void {
    this.alive = true;
    for (const event of this.host.eventLog) this.observe(event, false);
    this.view = folded;
    this.cursor = this.host.eventLog.length;
    this.start();
  }

  /** Called at the start of the run and after each restart. */
  abstract start(): void;
  abstract onTimer(timer: Timer): void;
  /** Drops everything held in memory (the view is rebuilt by restart). */
  protected abstract forget(): void;
  /** An event just folded into the view; `live` is false while a restart re-reads the log. */
  protected abstract observe(event: FabricEvent, live: boolean): void;

  protected command<T extends CommandType>(commandId: string, type: T, payload: CommandPayloads[T]): Command {
    return { commandId, endpointId: SIM_ENDPOINT, actor: this.actor, type, payload } as Command;
  }
}

/** Planner: every tick proposes one generation above the highest it proposed or saw (planner.ts). */
export class SimPlanner extends SimActor {
  readonly crashable = true;
  private lastProposed = 0;

  constructor(index: number, name: string, host: ActorHost) {
    super(index, name, 'planner', host);
  }

  start(): void {
    this.host.setTimer(this, this.host.draw.between(0, 200), { name: 'tick' });
  }

  protected forget(): void {
    this.lastProposed = 0;
  }

  protected observe(): void {}

  onTimer(): void {
    if (this.host.quiescing) return;
    const generation = Math.max(this.lastProposed, this.view.highestProposed) + 1;
    this.lastProposed = generation;
    this.host.send(this, this.command(`${this.name}:propose:${generation}`, 'ProposePlan', { generation, records: planRecords(generation, this.host.draw), ttl: 60 }));
    this.host.setTimer(this, this.host.draw.between(20, 400), { name: 'tick' });
  }
}

/** 1..4 records with weights 1..3: a plan's total weight can fall sharply (CAPACITY_DROP_TOO_LARGE). */
export function planRecords(generation: number, draw: Draw): PlanRecord[] {
  const count = draw.between(1, 4);
  const records: PlanRecord[] = [];
  for (let i = 0; i < count; i++) {
    records.push({ address: `10.${(generation >> 8) & 255}.${generation & 255}.${i + 1}`, weight: draw.between(1, 3) });
  }
  return records;
}

/**
 * Enactor (enactor.ts): claims the newest plan when it is newer than the
 * active one (ApplyPlan), writes the decided active plan to the backend with
 * its activation as the fencing token, then confirms (ConfirmApplied). After
 * one of its own claims is activated it may stall, then write the decision it
 * saw then — however stale by now.
 */
export class SimEnactor extends SimActor {
  readonly crashable = true;
  private readonly claimed = new Set<number>();
  /** Highest activation whose write the backend answered. */
  private written = 0;
  private unconfirmed: { activation: number; generation: number } | null = null;
  private stallTarget: { activation: number; generation: number } | null = null;
  /** A reconcile or a write is scheduled. */
  private busy = false;

  constructor(index: number, name: string, host: ActorHost) {
    super(index, name, 'enactor', host);
  }

  start(): void {
    this.wake();
  }

  protected forget(): void {
    this.claimed.clear();
    this.written = 0;
    this.unconfirmed = null;
    this.stallTarget = null;
    this.busy = false;
  }

  protected observe(event: FabricEvent, live: boolean): void {
    if (!live) return;
    if (event.type === 'PlanActivated' && event.data.by.id === this.name && this.host.draw.chance(this.host.config.stallPercent)) {
      this.stallTarget = { activation: event.data.activation, generation: event.data.generation };
    }
    this.wake();
  }

  private wake(): void {
    if (this.busy) return;
    this.busy = true;
    this.host.setTimer(this, this.host.draw.between(0, 5), { name: 'reconcile' });
  }

  onTimer(timer: Timer): void {
    if (timer.name === 'write') return this.write(timer.activation!, timer.generation!);
    this.busy = false;
    this.confirmWritten();
    const stalled = this.stallTarget;
    if (stalled !== null) {
      this.stallTarget = null;
      const stallMs = this.host.draw.between(200, 3000);
      this.host.note(this, `stalls ${stallMs}ms before writing activation ${stalled.activation} (generation ${stalled.generation})`, 'stall');
      this.busy = true;
      this.host.setTimer(this, stallMs, { name: 'write', ...stalled });
      return;
    }
    const active = this.view.active;
    if (active !== null && active.activation > this.written) {
      this.busy = true;
      this.host.setTimer(this, this.host.draw.between(1, 20), { name: 'write', activation: active.activation, generation: active.generation });
      return;
    }
    this.claimNewest();
  }

  private write(activation: number, generation: number): void {
    const plan = this.view.plans.get(generation);
    if (plan === undefined) throw new Error(`${this.name}: activated generation ${generation} has no plan in its view`);
    const accepted = this.host.writeBackend(this, { activation, generation, records: plan.records });
    this.written = Math.max(this.written, activation);
    if (accepted) this.unconfirmed = { activation, generation };
    this.busy = false;
    this.wake();
  }

  private confirmWritten(): void {
    const written = this.unconfirmed;
    if (written === null) return;
    this.unconfirmed = null;
    this.host.send(this, this.command(`${this.name}:confirm:${written.generation}:${written.activation}`, 'ConfirmApplied', { generation: written.generation }));
  }

  private claimNewest(): void {
    const view = this.view;
    if (view.config === null || !view.config.enactors.includes(this.name)) return;
    const newest = view.plans.get(view.highestProposed);
    if (newest === undefined || newest.deleted || this.claimed.has(newest.generation)) return;
    if (newest.generation <= (view.active?.generation ?? 0) || newest.proposedSeq < view.operatorFloorSeq) return;
    this.claimed.add(newest.generation);
    this.host.send(this, this.command(`${this.name}:apply:${newest.generation}`, 'ApplyPlan', { generation: newest.generation }));
  }
}

/**
 * Janitor (janitor.ts): every sweep asks to delete each plan older than
 * (active generation − keep) and relies on the sequencer to refuse unsafe
 * deletes. A refused delete is retried under a new attempt number; attempts
 * are counted from the event log, so a restarted janitor keeps counting.
 */
export class SimJanitor extends SimActor {
  readonly crashable = true;
  private readonly attempts = new Map<number, number>();
  private readonly inFlight = new Set<number>();
  private readonly prefix: string;

  constructor(index: number, name: string, host: ActorHost) {
    super(index, name, 'janitor', host);
    this.prefix = `${name}:delete:`;
  }

  start(): void {
    this.host.setTimer(this, this.host.draw.between(0, 300), { name: 'tick' });
  }

  protected forget(): void {
    this.attempts.clear();
    this.inFlight.clear();
  }

  protected observe(event: FabricEvent): void {
    if (event.commandId === null || !event.commandId.startsWith(this.prefix)) return;
    const generation = Number(event.commandId.slice(this.prefix.length).split(':')[0]);
    this.inFlight.delete(generation);
    if (event.type === 'CommandRejected') this.attempts.set(generation, (this.attempts.get(generation) ?? 0) + 1);
  }

  onTimer(): void {
    if (this.host.quiescing) return;
    const active = this.view.active;
    if (active !== null) {
      const cutoff = active.generation - this.host.config.janitorKeep;
      for (const plan of this.view.plans.values()) {
        if (plan.deleted || plan.generation >= cutoff || this.inFlight.has(plan.generation)) continue;
        this.inFlight.add(plan.generation);
        const attempt = this.attempts.get(plan.generation) ?? 0;
        this.host.send(this, this.command(`${this.prefix}${plan.generation}:${attempt}`, 'DeletePlan', { generation: plan.generation }));
      }
    }
    this.host.setTimer(this, this.host.draw.between(50, 600), { name: 'tick' });
  }
}

/** Operator: now and then activates some plan by hand — usually a rollback, sometimes a plan the sequencer must refuse. */
export class SimOperator extends SimActor {
  readonly crashable = false;

  constructor(index: number, name: string, host: ActorHost) {
    super(index, name, 'operator', host);
  }

  start(): void {
    this.host.setTimer(this, this.host.draw.between(300, 3000), { name: 'tick' });
  }

  protected forget(): void {}
  protected observe(): void {}

  onTimer(): void {
    if (this.host.quiescing) return;
    const view = this.view;
    if (view.active !== null && view.highestProposed > 0 && this.host.draw.chance(50)) {
      const generation = this.host.draw.between(1, view.highestProposed);
      this.host.send(
        this,
        this.command(`${this.name}:activate:${view.nextSeq}:${generation}`, 'OperatorActivate', { generation, reason: 'simulated rollback' }),
      );
    }
    this.host.setTimer(this, this.host.draw.between(300, 3000), { name: 'tick' });
  }
}

/** The attacker's own key: registered nowhere. */
const ATTACKER_KEY = labelledKey('sim attacker');

export const FORGERIES = ['unsigned', 'unregistered key', 're-signed for another actor', 'signature copied'] as const;
export type Forgery = (typeof FORGERIES)[number];

/**
 * Attacker: reads the command topic and, now and then, sends a forgery built
 * from a genuine command — unsigned; signed by a key no one registered;
 * re-signed by its actor's key but claiming to be another actor (a rogue
 * insider); or a genuine signature copied onto another command. Some forgeries
 * take the id a planner will use next: refused NOT_AUTHENTICATED, they must not
 * use the id up (the planner's real command is decided on its merits).
 */
export class SimAttacker extends SimActor {
  readonly crashable = false;

  constructor(index: number, name: string, host: ActorHost) {
    super(index, name, 'operator', host);
  }

  start(): void {
    this.host.setTimer(this, this.host.draw.between(50, 1500), { name: 'tick' });
  }

  protected forget(): void {}
  protected observe(): void {}

  onTimer(): void {
    if (this.host.quiescing) return;
    const genuine = this.host.genuineCommands;
    if (genuine.length > 0) this.forge(genuine);
    this.host.setTimer(this, this.host.draw.between(100, 2000), { name: 'tick' });
  }

  private forge(genuine: readonly Command[]): void {
    const draw = this.host.draw;
    const original = genuine[genuine.length - 1 - draw.between(0, Math.min(genuine.length, 50) - 1)]!;
    const kind = draw.pick(FORGERIES);
    let command: Command = { ...original, signature: undefined };
    // Now and then under the id (and generation) the planner will propose next.
    if ((kind === 'unsigned' || kind === 'unregistered key') && original.type === 'ProposePlan' && draw.chance(50)) {
      const generation = this.view.highestProposed + 1;
      command = { ...original, signature: undefined, commandId: `${original.actor.id}:propose:${generation}`, payload: { ...original.payload, generation } };
    }
    let value: string;
    switch (kind) {
      case 'unsigned':
        value = unsignedCommandText(command.commandId, command.endpointId, command.actor, command.type, command.payload);
        break;
      case 'unregistered key':
        value = signedCommand(command, ATTACKER_KEY).text;
        break;
      case 're-signed for another actor': {
        // The original actor's own key, claiming to be someone else (a trust root may sign for any operator: not them).
        const others = this.host.cast.filter((actor) => actor.role !== 'operator' && (actor.role !== original.actor.role || actor.id !== original.actor.id));
        if (others.length === 0) return;
        command = { ...command, actor: draw.pick(others) };
        value = signedCommand(command, simKey(original.actor)).text;
        break;
      }
      case 'signature copied': {
        // The signature of the original on another genuine command of the same signer, or on the original with another id.
        const sameSigner = genuine.filter((other) => other.signature?.key === original.signature?.key && other.commandId !== original.commandId);
        const target: Command =
          sameSigner.length > 0 && draw.chance(50) ? draw.pick(sameSigner) : { ...original, commandId: `${original.commandId}:again` };
        command = { ...target, signature: original.signature };
        value = textOf(command);
        break;
      }
    }
    this.host.sendForged(this, value, `${kind}: ${command.type} as ${command.actor.role}:${command.actor.id} [${command.commandId}]`);
  }
}
