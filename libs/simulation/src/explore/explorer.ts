/**
 * Exhaustive exploration of a model's interleavings: breadth-first over the
 * reachable states, each state once (memoized by a canonical key), checking
 * every step and every state. Breadth-first, so the first violation found has
 * the shortest trace there is.
 */
export interface Transition<S> {
  /** What the step was, for a trace: "e2 writes activation 3 (plan 3) → accepted". */
  readonly label: string;
  readonly next: S;
  /** An invariant the step itself broke (a decision, a backend write), or null. */
  readonly violation: string | null;
}

export interface Model<S> {
  readonly name: string;
  /** One line on what the model holds and its bounds. */
  readonly description: string;
  initial(): S;
  /** Equal keys mean the same state for every step and check that follows. */
  key(state: S): string;
  /** Every step any actor can take from here, in a fixed order. */
  transitions(state: S): readonly Transition<S>[];
  /** An invariant this state breaks, or null. */
  check(state: S): string | null;
}

export interface ExploreOptions {
  /** Stop at the first violation (its trace is a shortest one). */
  readonly stopAtFirstViolation: boolean;
  /** Give up beyond this many states (the result says `complete: false`). */
  readonly statesMax: number;
}

export const EXPLORE_DEFAULTS: ExploreOptions = { stopAtFirstViolation: false, statesMax: 5_000_000 };

export interface Counterexample {
  readonly violation: string;
  /** The steps from the initial state, shortest first found. */
  readonly trace: readonly string[];
}

export interface ExploreResult {
  readonly model: string;
  readonly states: number;
  readonly transitions: number;
  /** Steps on the longest shortest path to a state. */
  readonly depth: number;
  readonly violations: number;
  readonly counterexample: Counterexample | null;
  /** Every reachable state was visited. */
  readonly complete: boolean;
  readonly elapsedMs: number;
  /** CPU time of this process over the exploration (user + system). */
  readonly cpuMs: number;
}

export function explore<S>(model: Model<S>, options: ExploreOptions = EXPLORE_DEFAULTS): ExploreResult {
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  const index = new Map<string, number>();
  const parent: number[] = [];
  const via: string[] = [];
  const depthOf: number[] = [];
  /** States by id; undefined once expanded, or never to be (it broke an invariant). */
  const frontier: (S | undefined)[] = [];
  let transitions = 0;
  let violations = 0;
  let counterexample: Counterexample | null = null;
  let truncated = false;

  const pathTo = (id: number): string[] => {
    const steps: string[] = [];
    for (let at = id; parent[at]! >= 0; at = parent[at]!) steps.push(via[at]!);
    return steps.reverse();
  };
  const found = (violation: string, from: number, label: string | null): boolean => {
    violations++;
    if (counterexample === null) counterexample = { violation, trace: label === null ? pathTo(from) : [...pathTo(from), label] };
    return options.stopAtFirstViolation;
  };
  const add = (state: S, key: string, from: number, label: string, depth: number): number => {
    const id = parent.length;
    index.set(key, id);
    parent.push(from);
    via.push(label);
    depthOf.push(depth);
    frontier.push(state);
    return id;
  };

  const initial = model.initial();
  add(initial, model.key(initial), -1, 'initial', 0);
  const initialProblem = model.check(initial);
  let stop = initialProblem !== null && found(initialProblem, 0, null);
  // Ids are handed out in breadth-first order, so the frontier is the id range [head, parent.length).
  for (let head = 0; !stop && head < parent.length; head++) {
    const state = frontier[head];
    if (state === undefined) continue;
    frontier[head] = undefined; // expanded: let it go
    for (const step of model.transitions(state)) {
      transitions++;
      if (step.violation !== null) {
        if (found(step.violation, head, step.label)) {
          stop = true;
          break;
        }
        continue; // a broken step's state is not explored further
      }
      const key = model.key(step.next);
      if (index.has(key)) continue;
      if (parent.length >= options.statesMax) {
        truncated = true;
        stop = true;
        break;
      }
      const id = add(step.next, key, head, step.label, depthOf[head]! + 1);
      const problem = model.check(step.next);
      if (problem !== null) {
        frontier[id] = undefined; // counted, not explored beyond
        if (found(problem, id, null)) {
          stop = true;
          break;
        }
      }
    }
  }
  return {
    model: model.name,
    states: parent.length,
    transitions,
    depth: depthOf.reduce((max, depth) => Math.max(max, depth), 0),
    violations,
    counterexample,
    complete: !truncated && !stop,
    elapsedMs: performance.now() - started,
    cpuMs: cpuMsSince(cpuStarted),
  };
}

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}
