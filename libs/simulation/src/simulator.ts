/**
 * Deterministic simulation of the fabric (TigerBeetle's VOPR, in small): a
 * discrete-event loop on a virtual clock drives the REAL sequencer step —
 * `sequence` from libs/domain, never a copy — with planners, enactors,
 * janitors and operators as state machines, a network that delays, duplicates
 * and reorders commands before they reach the (ordered) command log, event
 * feeds with delays and redeliveries, actor crashes and restarts, sequencer
 * fail-overs, and a simulated DNS backend behind the real fence.
 *
 * Checked: invariants 1-5 (checkStep) after every decision, 8 after every
 * backend write; at the end 5 over both logs, 6 (replaying the command log
 * reproduces the event log), 7 (every actor's view equals the fold of the
 * event log), and that the backend converged to the active plan.
 *
 * Everything not decided by the system is drawn from a Choices source, so a
 * seed replays exactly and a recording can be shrunk.
 */
import { createHash, type Hash } from 'node:crypto';
import {
  canonicalJson,
  checkStep,
  fenceAccepts,
  foldEvents,
  initialState,
  replay,
  sequence,
  simKey,
  type Actor,
  type Authority,
  type Command,
  type CommandRecord,
  type EndpointState,
  type FabricEvent,
} from '@plan-fabric/domain';
import { Draw, ReplayedChoices, SeededChoices, type Choices } from './choices';
import { signedCommand } from './command-text';
import { SIM_MEMO_AUTHORITY } from './memo-verifier';
import { EventQueue } from './event-queue';
import {
  SIM_ENDPOINT,
  SimEnactor,
  SimJanitor,
  SimOperator,
  SimPlanner,
  SimAttacker,
  type ActorHost,
  type SimActor,
  type Timer,
  type WorldConfig,
} from './sim-actors';
import { SimDnsBackend, backendViolation, type BackendWrite, type Fence } from './sim-backend';

/** The sequencer's step: the real `sequence` unless a test swaps in a broken one. */
export type Sequencer = (state: EndpointState, record: CommandRecord, authority: Authority) => { event: FabricEvent; state: EndpointState };

export interface SimOptions {
  /** Agenda steps before the run stops injecting work (no new proposals, sweeps, crashes) and drains. */
  readonly steps: number;
  readonly sequence?: Sequencer;
  /**
   * Whom the sequencer trusts: the simulation trust root (SIM_ROOT) with a memoizing verifier by default.
   * Every actor signs with its simulation key, registered by the operator through the command log at the start.
   */
  readonly authority?: Authority;
  /** The backend's fence: the real fenceAccepts unless a test breaks it. */
  readonly fence?: Fence;
  /** Keep the trace lines (they are always hashed). */
  readonly keepTrace?: boolean;
  /** Give up (no failure, `aborted`) after this many steps: the shrinker's bound on a candidate. */
  readonly abortAfterSteps?: number;
}

export const SIM_DEFAULTS = { steps: 1_000 } as const;

/** Named like the domain's INVARIANTS; the first five come from checkStep itself. */
export const SIM_CHECKS = {
  audit: 'I5 one outcome per record (audit of both logs)',
  replay: 'I6 replay reproduces the event log',
  views: 'I7 every view equals the fold of the event log',
  backend: 'I8 DNS backend never empty, never back',
  converges: 'L1 backend converges to the active plan',
  forgeries: 'A1 forged commands are NOT_AUTHENTICATED and change nothing',
  quiesces: 'L2 the run drains',
} as const;

export interface SimFailure {
  readonly invariant: string;
  readonly message: string;
  /** Agenda step at which it was found. */
  readonly step: number;
  readonly atMs: number;
}

export interface SimStats {
  readonly commands: number;
  readonly events: number;
  readonly crashes: number;
  readonly duplicatesSent: number;
  readonly stalls: number;
  readonly writesAccepted: number;
  readonly writesRefused: number;
  /** Forged records the attacker sent (network duplicates included), and how many were refused NOT_AUTHENTICATED. */
  readonly forged: number;
  readonly forgedRefused: number;
  /** Accepted events by type and rejections by reason. */
  readonly outcomes: Readonly<Record<string, number>>;
  /** Moments a PlanDeleted left the backend serving the deleted plan's records (not an invariant; see the README). */
  readonly servedPlanDeleted: number;
}

export interface SimResult {
  /** Null for a run replayed from a recording. */
  readonly seed: number | null;
  readonly config: WorldConfig;
  readonly steps: number;
  readonly virtualMs: number;
  readonly failure: SimFailure | null;
  /** Stopped at abortAfterSteps: nothing was concluded. */
  readonly aborted: boolean;
  /** sha256 of the trace: two runs of one seed must give the same. */
  readonly hash: string;
  readonly trace: readonly string[] | null;
  /** Every choice drawn, in order: replaying them reproduces this run. */
  readonly choices: readonly number[];
  readonly stats: SimStats;
}

export function simulateSeed(seed: number, options: SimOptions): SimResult {
  return new World(new SeededChoices(seed), options, seed).run();
}

export function simulateChoices(recording: readonly number[], options: SimOptions): SimResult {
  return new World(new ReplayedChoices(recording), options, null).run();
}

type Item =
  | { readonly kind: 'arrive'; readonly value: string; readonly from: string; readonly forged?: boolean }
  | { readonly kind: 'decide' }
  | { readonly kind: 'feed'; readonly actor: number; readonly incarnation: number; readonly upTo: number }
  | { readonly kind: 'timer'; readonly actor: number; readonly incarnation: number; readonly timer: Timer }
  | { readonly kind: 'crash'; readonly actor: number }
  | { readonly kind: 'restart'; readonly actor: number }
  | { readonly kind: 'failover' };

/** How far past the step budget a draining run may go before it counts as stuck. */
const DRAIN_FACTOR = 20;
/**
 * Virtual time between an actor's restart (or the start) and its next crash, and between sequencer
 * fail-overs. Each restart re-reads and folds the whole event log, as a real one does: more often
 * than this and the folds, not the races, would take the run's time.
 */
const CRASH_GAP_MS = { min: 300, max: 8_000 } as const;
const FAILOVER_GAP_MS = { min: 1_000, max: 8_000 } as const;

function drawConfig(draw: Draw): WorldConfig {
  const enactors = draw.between(1, 4);
  return {
    enactors,
    quorum: draw.between(1, enactors),
    minValidPlans: draw.between(1, 2),
    maxCapacityDropPercent: draw.pick([100, 50, 20, 0]),
    planners: draw.between(1, 2),
    janitors: draw.between(0, 2),
    janitorKeep: draw.between(0, 2),
    operators: draw.between(0, 1),
    duplicatePercent: draw.pick([0, 3, 15]),
    slowPercent: draw.pick([0, 5, 20]),
    redeliveryPercent: draw.pick([0, 5, 20]),
    stallPercent: draw.pick([0, 20, 60]),
    crashes: draw.pick([false, true]),
    sequencerFailovers: draw.pick([false, true]),
    attackers: draw.pick([0, 1]),
  };
}

class World implements ActorHost {
  readonly draw: Draw;
  readonly config: WorldConfig;
  quiescing = false;
  readonly eventLog: FabricEvent[] = [];
  /** statesAfter[i]: the fold of eventLog[0..i], the view of a reader that has read i + 1 events. */
  private readonly statesAfter: EndpointState[] = [];
  private readonly commandLog: CommandRecord[] = [];
  private readonly queue = new EventQueue<Item>();
  private readonly actors: SimActor[] = [];
  private readonly backend: SimDnsBackend;
  private readonly sequencer: Sequencer;
  private readonly authority: Authority;
  readonly genuineCommands: Command[] = [];
  readonly cast: Actor[] = [];
  /** Command log offsets that hold a forged record. */
  private readonly forgedOffsets = new Set<number>();
  private state: EndpointState;
  private decidedUpTo = 0;
  private nowMs = 0;
  private steps = 0;
  private failure: SimFailure | null = null;
  private readonly hash: Hash = createHash('sha256');
  private readonly trace: string[] | null;
  private readonly stats = {
    crashes: 0,
    duplicatesSent: 0,
    stalls: 0,
    servedPlanDeleted: 0,
    forged: 0,
    forgedRefused: 0,
    outcomes: {} as Record<string, number>,
  };

  constructor(
    private readonly choices: Choices,
    private readonly options: SimOptions,
    private readonly seed: number | null,
  ) {
    this.draw = new Draw(choices);
    this.config = drawConfig(this.draw);
    this.backend = new SimDnsBackend(options.fence ?? fenceAccepts);
    this.sequencer = options.sequence ?? sequence;
    this.authority = options.authority ?? SIM_MEMO_AUTHORITY;
    this.state = initialState(SIM_ENDPOINT);
    this.trace = options.keepTrace === true ? [] : null;
    const c = this.config;
    const enactorIds = Array.from({ length: c.enactors }, (_, i) => `e${i + 1}`);
    for (let i = 0; i < c.planners; i++) this.actors.push(new SimPlanner(this.actors.length, `planner${i + 1}`, this));
    for (const id of enactorIds) this.actors.push(new SimEnactor(this.actors.length, id, this));
    for (let i = 0; i < c.janitors; i++) this.actors.push(new SimJanitor(this.actors.length, `janitor${i + 1}`, this));
    for (let i = 0; i < c.operators; i++) this.actors.push(new SimOperator(this.actors.length, `operator${i + 1}`, this));
    this.cast.push(...this.actors.map((actor) => actor.actor));
    for (let i = 0; i < c.attackers; i++) this.actors.push(new SimAttacker(this.actors.length, `mallory${i + 1}`, this));
    this.record(
      'world',
      `${c.enactors} enactors (quorum ${c.quorum}), ${c.planners} planners, ${c.janitors} janitors (keep ${c.janitorKeep}), ` +
        `${c.operators} operators; minValidPlans ${c.minValidPlans}, maxCapacityDrop ${c.maxCapacityDropPercent}%; ` +
        `dup ${c.duplicatePercent}% slow ${c.slowPercent}% redeliver ${c.redeliveryPercent}% stall ${c.stallPercent}% ` +
        `crashes ${c.crashes ? 'on' : 'off'} failovers ${c.sequencerFailovers ? 'on' : 'off'} attackers ${c.attackers}`,
    );
    // The operator registers every actor's key through the log before anything else reaches it (operators
    // sign with the trust root): a replay of the command log alone verifies every signature as the run did.
    const admin: Actor = { role: 'operator', id: 'admin' };
    for (const actor of this.cast) {
      if (actor.role === 'operator') continue;
      const registration: Command = {
        commandId: `admin:key:${actor.id}`,
        endpointId: SIM_ENDPOINT,
        actor: admin,
        type: 'RegisterActorKey',
        payload: { actor, publicKey: simKey(actor).publicKey },
      };
      const { command, text } = signedCommand(registration);
      this.genuineCommands.push(command);
      this.record('admin', `sends ${describeCommand(command)}`);
      this.schedule(0, { kind: 'arrive', value: text, from: 'admin' });
    }
    const register: Command = {
      commandId: 'admin:register',
      endpointId: SIM_ENDPOINT,
      actor: admin,
      type: 'RegisterEndpoint',
      payload: { enactors: enactorIds, quorum: c.quorum, minValidPlans: c.minValidPlans, maxCapacityDropPercent: c.maxCapacityDropPercent },
    };
    this.transmit('admin', register);
    for (const actor of this.actors) {
      actor.start();
      if (c.crashes && actor.crashable) this.schedule(this.crashGapMs(), { kind: 'crash', actor: actor.index });
    }
    if (c.sequencerFailovers) this.schedule(this.draw.between(FAILOVER_GAP_MS.min, FAILOVER_GAP_MS.max), { kind: 'failover' });
  }

  run(): SimResult {
    const budget = this.options.steps;
    const abortAfter = this.options.abortAfterSteps ?? Infinity;
    let aborted = false;
    while (this.failure === null) {
      if (this.steps > abortAfter) {
        aborted = true;
        break;
      }
      if (!this.quiescing && this.steps >= budget) this.quiesce();
      if (this.steps >= budget * DRAIN_FACTOR + 10_000) {
        this.fail(SIM_CHECKS.quiesces, `still busy after ${this.steps} steps (${this.queue.size} items due)`);
        break;
      }
      const next = this.queue.pop();
      if (next === undefined) break;
      this.nowMs = next.atMs;
      this.steps++;
      this.handle(next.item);
    }
    if (this.failure === null && !aborted) this.finalChecks();
    this.hash.update(`end ${this.failure === null ? 'ok' : `${this.failure.invariant}: ${this.failure.message}`}\n`);
    return {
      seed: this.seed,
      config: this.config,
      steps: this.steps,
      virtualMs: this.nowMs,
      failure: this.failure,
      aborted,
      hash: this.hash.digest('hex'),
      trace: this.trace,
      choices: this.choices.drawn,
      stats: {
        commands: this.commandLog.length,
        events: this.eventLog.length,
        crashes: this.stats.crashes,
        duplicatesSent: this.stats.duplicatesSent,
        stalls: this.stats.stalls,
        writesAccepted: this.backend.accepted,
        writesRefused: this.backend.refused,
        forged: this.stats.forged,
        forgedRefused: this.stats.forgedRefused,
        outcomes: this.stats.outcomes,
        servedPlanDeleted: this.stats.servedPlanDeleted,
      },
    };
  }

  // ------------------------------------------------------------ ActorHost

  send(from: SimActor, command: Command): void {
    this.transmit(from.name, command);
  }

  sendForged(from: SimActor, value: string, description: string): void {
    this.record(from.name, `sends FORGED ${description}`);
    this.deliver(from.name, value, true);
  }

  setTimer(actor: SimActor, delayMs: number, timer: Timer): void {
    this.schedule(delayMs, { kind: 'timer', actor: actor.index, incarnation: actor.incarnation, timer });
  }

  writeBackend(actor: SimActor, write: BackendWrite): boolean {
    const before = this.backend.served;
    const result = this.backend.write(write, actor.name);
    const after = this.backend.served;
    this.record(
      actor.name,
      `writes backend activation ${write.activation} (generation ${write.generation}): ` +
        `${result.accepted ? 'accepted' : result.empty ? 'REFUSED: empty record set' : 'refused by the fence'} (held ${result.heldActivation ?? 'nothing'})`,
    );
    if (result.empty) this.fail(SIM_CHECKS.backend, `${actor.name} tried to write an empty record set for generation ${write.generation}`);
    const problem = backendViolation(before, after);
    if (problem !== null) this.fail(SIM_CHECKS.backend, problem);
    return result.accepted;
  }

  note(actor: SimActor, text: string, kind?: 'stall'): void {
    if (kind === 'stall') this.stats.stalls++;
    this.record(actor.name, text);
  }

  // ------------------------------------------------------------ the loop

  private schedule(delayMs: number, item: Item): void {
    // Simultaneous items go in an order drawn from the seed (0: the order they were scheduled in).
    this.queue.push(this.nowMs + delayMs, this.draw.int(4), item);
  }

  private crashGapMs(): number {
    return this.draw.between(CRASH_GAP_MS.min, CRASH_GAP_MS.max);
  }

  /** Network delay to the command log or from the event log: mostly short, sometimes long enough to be overtaken. */
  private networkDelay(): number {
    return this.draw.between(1, 20) + (this.draw.chance(this.config.slowPercent) ? this.draw.between(50, 2_000) : 0);
  }

  /** A genuine command: signed with its actor's simulation key, then through the network. */
  private transmit(from: string, command: Command): void {
    const signed = signedCommand(command);
    this.genuineCommands.push(signed.command);
    this.record(from, `sends ${describeCommand(command)}`);
    this.deliver(from, signed.text, false);
  }

  private deliver(from: string, value: string, forged: boolean): void {
    const item: Item = forged ? { kind: 'arrive', value, from, forged } : { kind: 'arrive', value, from };
    this.schedule(this.networkDelay(), item);
    if (forged) this.stats.forged++;
    if (this.draw.chance(this.config.duplicatePercent)) {
      this.stats.duplicatesSent++;
      if (forged) this.stats.forged++;
      this.schedule(this.networkDelay(), item);
    }
  }

  private handle(item: Item): void {
    switch (item.kind) {
      case 'arrive': {
        const offset = this.commandLog.length;
        this.commandLog.push({ offset, value: item.value });
        if (item.forged === true) this.forgedOffsets.add(offset);
        this.schedule(this.draw.between(0, 3), { kind: 'decide' });
        return;
      }
      case 'decide':
        return this.decideNext();
      case 'feed': {
        const actor = this.actors[item.actor]!;
        if (!actor.alive || actor.incarnation !== item.incarnation) return;
        if (actor.cursor > 0 && this.draw.chance(this.config.redeliveryPercent)) {
          actor.cursor = Math.max(0, actor.cursor - this.draw.between(1, 3));
        }
        while (actor.cursor < item.upTo) {
          actor.read(this.eventLog[actor.cursor]!, this.statesAfter[actor.cursor]!);
          actor.cursor++;
        }
        return;
      }
      case 'timer': {
        const actor = this.actors[item.actor]!;
        if (!actor.alive || actor.incarnation !== item.incarnation) return;
        actor.onTimer(item.timer);
        return;
      }
      case 'crash': {
        const actor = this.actors[item.actor]!;
        if (this.quiescing || !actor.alive) return;
        actor.crash();
        this.stats.crashes++;
        this.record(actor.name, 'crashes (everything in memory is lost)');
        this.schedule(this.draw.between(10, 1_000), { kind: 'restart', actor: actor.index });
        return;
      }
      case 'restart': {
        const actor = this.actors[item.actor]!;
        if (actor.alive) return;
        actor.restart(this.statesAfter.at(-1) ?? initialState(SIM_ENDPOINT));
        this.record(actor.name, `restarts, re-reads ${this.eventLog.length} events`);
        if (!this.quiescing) this.schedule(this.crashGapMs(), { kind: 'crash', actor: actor.index });
        return;
      }
      case 'failover': {
        // A new sequencer takes the partition: its state is the fold of the event log, which must equal the old one's.
        const rebuilt = foldEvents(SIM_ENDPOINT, this.eventLog);
        if (!sameState(rebuilt, this.state)) {
          this.fail(SIM_CHECKS.replay, `a fail-over's fold of ${this.eventLog.length} events differs from the running sequencer's state`);
        }
        this.state = rebuilt;
        this.record('sequencer', `fails over at offset ${this.decidedUpTo}; the new one folds ${this.eventLog.length} events`);
        if (!this.quiescing) this.schedule(this.draw.between(FAILOVER_GAP_MS.min, FAILOVER_GAP_MS.max), { kind: 'failover' });
        return;
      }
    }
  }

  private decideNext(): void {
    const record = this.commandLog[this.decidedUpTo];
    if (record === undefined) return;
    const before = this.state;
    const { event, state: after } = this.sequencer(before, record, this.authority);
    this.decidedUpTo++;
    this.eventLog.push(event);
    this.statesAfter.push(after);
    this.state = after;
    const key = event.type === 'CommandRejected' ? event.data.reason : event.type;
    this.stats.outcomes[key] = (this.stats.outcomes[key] ?? 0) + 1;
    this.record('sequencer', `offset ${record.offset} → seq ${event.seq} ${describeEvent(event)}`);
    for (const violation of checkStep({ before, event, after })) this.fail(violation.invariant, violation.message);
    if (this.forgedOffsets.has(record.offset)) this.checkForgery(before, event, after);
    if (event.type === 'CommandDuplicated' && this.forgedOffsets.has(event.data.firstOffset)) {
      this.fail(SIM_CHECKS.forgeries, `offset ${record.offset} [${event.commandId}] counted as a duplicate of the forged record at offset ${event.data.firstOffset}`);
    }
    if (event.type === 'PlanDeleted' && this.backend.served?.generation === event.data.generation) this.stats.servedPlanDeleted++;
    const upTo = this.eventLog.length;
    for (const actor of this.actors) {
      if (actor.alive) this.schedule(this.networkDelay(), { kind: 'feed', actor: actor.index, incarnation: actor.incarnation, upTo });
    }
  }

  /** A forged record is refused NOT_AUTHENTICATED and changes nothing but the log position. */
  private checkForgery(before: EndpointState, event: FabricEvent, after: EndpointState): void {
    if (event.type !== 'CommandRejected' || event.data.reason !== 'NOT_AUTHENTICATED') {
      const outcome = event.type === 'CommandRejected' ? `rejected ${event.data.reason}` : event.type;
      return this.fail(SIM_CHECKS.forgeries, `forged record at offset ${event.commandOffset} [${event.commandId}] was ${outcome}, not NOT_AUTHENTICATED`);
    }
    this.stats.forgedRefused++;
    const moved = { ...before, nextSeq: after.nextSeq, nextCommandOffset: after.nextCommandOffset, lastEventHash: after.lastEventHash };
    if (!sameState(moved, after)) this.fail(SIM_CHECKS.forgeries, `forged record at offset ${event.commandOffset} changed the state beyond the log position`);
  }

  private quiesce(): void {
    this.quiescing = true;
    this.record('world', 'stops injecting work and faults; drains');
    for (const actor of this.actors) if (!actor.alive) this.schedule(0, { kind: 'restart', actor: actor.index });
  }

  private finalChecks(): void {
    // 5 over both logs: one outcome per record, in order, numbered without gaps.
    if (this.eventLog.length !== this.commandLog.length) {
      return this.fail(SIM_CHECKS.audit, `${this.commandLog.length} command records but ${this.eventLog.length} outcomes`);
    }
    for (let i = 0; i < this.eventLog.length; i++) {
      const event = this.eventLog[i]!;
      if (event.commandOffset !== i || event.seq !== i + 1) {
        return this.fail(SIM_CHECKS.audit, `event ${i} is seq ${event.seq} for offset ${event.commandOffset}`);
      }
    }
    // 6: replaying the command log through the real decide reproduces the event log byte for byte.
    let replayed: { events: FabricEvent[]; state: EndpointState };
    try {
      replayed = replay(SIM_ENDPOINT, this.commandLog, this.authority);
    } catch (error) {
      return this.fail(SIM_CHECKS.replay, `replay broke an invariant: ${error instanceof Error ? error.message : String(error)}`);
    }
    for (let i = 0; i < this.eventLog.length; i++) {
      const again = replayed.events[i];
      const original = this.eventLog[i];
      // Same JSON text implies the same canonical bytes; only a mismatch pays for canonicalJson.
      if (JSON.stringify(again) !== JSON.stringify(original) && canonicalJson(again) !== canonicalJson(original)) {
        return this.fail(SIM_CHECKS.replay, `replayed event ${i + 1} differs: ${canonicalJson(again)} vs ${canonicalJson(original)}`);
      }
    }
    // 7: the fold of the (replayed, identical) event log equals the sequencer's state, and every actor has read all of it.
    if (!sameState(replayed.state, this.state)) {
      return this.fail(SIM_CHECKS.views, `the fold of the event log differs from the sequencer's state`);
    }
    for (const actor of this.actors) {
      if (actor.view.nextSeq !== this.state.nextSeq) {
        return this.fail(SIM_CHECKS.views, `${actor.name} has read up to seq ${actor.view.nextSeq - 1} of ${this.state.nextSeq - 1}`);
      }
    }
    const active = this.state.active;
    if (active !== null && this.config.enactors > 0 && this.backend.served?.activation !== active.activation) {
      this.fail(
        SIM_CHECKS.converges,
        `active is activation ${active.activation} (generation ${active.generation}) but the backend serves ${this.backend.served?.activation ?? 'nothing'}`,
      );
    }
  }

  private fail(invariant: string, message: string): void {
    if (this.failure !== null) return;
    this.failure = { invariant, message, step: this.steps, atMs: this.nowMs };
    this.record('CHECK', `VIOLATION ${invariant}: ${message}`);
  }

  private record(who: string, text: string): void {
    const line = `${String(this.nowMs).padStart(7)}ms #${String(this.steps).padEnd(5)} ${who.padEnd(9)} ${text}`;
    this.hash.update(line);
    this.hash.update('\n');
    this.trace?.push(line);
  }
}

/** Two states are equal: as JSON text with maps as entry lists (fast), or else as canonical text (key order aside). */
export function sameState(a: EndpointState, b: EndpointState): boolean {
  const plain = (state: EndpointState) =>
    JSON.stringify({ ...state, plans: [...state.plans], confirmed: [...state.confirmed], decided: [...state.decided], keys: [...state.keys] });
  return plain(a) === plain(b) || stateSnapshot(a) === stateSnapshot(b);
}

/** The state as canonical text (maps as sorted entry lists), to compare two states. */
export function stateSnapshot(state: EndpointState): string {
  const entries = <K, V>(map: ReadonlyMap<K, V>) => [...map.entries()].sort(([a], [b]) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
  return canonicalJson({
    ...state,
    plans: entries(state.plans),
    confirmed: entries(state.confirmed),
    decided: entries(state.decided),
    keys: entries(state.keys),
  });
}

export function describeCommand(command: Command): string {
  let detail: string;
  switch (command.type) {
    case 'RegisterEndpoint':
      detail = `quorum ${command.payload.quorum}`;
      break;
    case 'RegisterActorKey':
      detail = `${command.payload.actor.role}:${command.payload.actor.id} ${command.payload.publicKey.slice(0, 8)}…`;
      break;
    case 'RevokeActorKey':
      detail = `${command.payload.publicKey.slice(0, 8)}…`;
      break;
    default:
      detail = String(command.payload.generation);
  }
  return `${command.type} ${detail} [${command.commandId}]`;
}

export function describeEvent(event: FabricEvent): string {
  switch (event.type) {
    case 'CommandRejected':
      return `rejected ${event.data.commandType ?? '?'} ${event.data.reason}: ${event.data.detail}`;
    case 'CommandDuplicated':
      return `duplicate of offset ${event.data.firstOffset} [${event.commandId}]`;
    case 'PlanActivated':
      return `PlanActivated generation ${event.data.generation} activation ${event.data.activation} by ${event.data.by.id}`;
    case 'PlanConfirmed':
      return `PlanConfirmed generation ${event.data.generation} by ${event.data.enactorId}`;
    case 'PlanProposed':
      return `PlanProposed generation ${event.data.generation} (weight ${event.data.records.reduce((sum, r) => sum + r.weight, 0)})`;
    case 'PlanDeleted':
      return `PlanDeleted generation ${event.data.generation}`;
    case 'EndpointRegistered':
      return `EndpointRegistered quorum ${event.data.quorum} of ${event.data.enactors.length}`;
    case 'ActorKeyRegistered':
      return `ActorKeyRegistered ${event.data.actor.role}:${event.data.actor.id} ${event.data.publicKey.slice(0, 8)}…`;
    case 'ActorKeyRevoked':
      return `ActorKeyRevoked ${event.data.publicKey.slice(0, 8)}…`;
  }
}
