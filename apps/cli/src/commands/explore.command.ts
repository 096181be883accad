import {
  EXPLORE_DEFAULTS,
  FABRIC_BOUNDS_DEFAULT,
  NAIVE_BOUNDS_DEFAULT,
  explore,
  fabricModel,
  naiveModel,
  type ExploreResult,
} from '@plan-fabric/simulation';
import { intOption, parseOptions, UsageError, type CliCommand } from '../cli/cli-command';

export const exploreCommand: CliCommand = {
  name: 'explore',
  summary: 'exhaustive interleavings for small bounds: the fabric holds, the naive plane empties the record set',
  help: `usage: fabric explore [--generations N] [--enactors N] [--quorum N] [--keep N] [--operator-activations N] [--states-max N]

Enumerates every interleaving of the actors' steps, breadth-first, each
reachable state once, and checks the invariants in every state and step:

  fabric  the real decide for every command (checkStep after each), the real
          fence for every backend write (invariant 8); enactors claim, write
          and confirm in separate steps; the janitor asks to delete any older
          plan at any moment. Also checked: the backend never serves a plan
          the janitor deleted (what emptied the record set in the incident).
  naive   the incident's control plane: freshness checked at pick-up,
          unconditional write, age-based clean-up. It must reach the outage —
          an empty record set — and its shortest trace is printed: the proof
          that the checker can fail.

Options:
  --generations N           plans the planner proposes (default ${FABRIC_BOUNDS_DEFAULT.generations})
  --enactors N              enactors (default ${FABRIC_BOUNDS_DEFAULT.enactors})
  --quorum N                fabric: confirmations a delete needs (default ${FABRIC_BOUNDS_DEFAULT.quorum})
  --keep N                  naive: generations the clean-up keeps (default ${NAIVE_BOUNDS_DEFAULT.keep})
  --operator-activations N  fabric: add an operator with up to N OperatorActivate (default 0)
  --states-max N            give up beyond N states (default ${EXPLORE_DEFAULTS.statesMax})

Exit code: 0 the fabric had no violation and the naive plane reached the
outage; 1 otherwise; 2 bad arguments. Needs nothing but Node.`,
  async run(args) {
    const { values, positionals } = parseOptions(args, {
      generations: { type: 'string' },
      enactors: { type: 'string' },
      quorum: { type: 'string' },
      keep: { type: 'string' },
      'operator-activations': { type: 'string' },
      'states-max': { type: 'string' },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const generations = intOption('generations', values.generations, FABRIC_BOUNDS_DEFAULT.generations);
    const enactors = intOption('enactors', values.enactors, FABRIC_BOUNDS_DEFAULT.enactors);
    const quorum = intOption('quorum', values.quorum, Math.min(FABRIC_BOUNDS_DEFAULT.quorum, enactors));
    const keep = intOption('keep', values.keep, NAIVE_BOUNDS_DEFAULT.keep);
    const operatorActivations = intOption('operator-activations', values['operator-activations'], 0);
    const statesMax = intOption('states-max', values['states-max'], EXPLORE_DEFAULTS.statesMax);
    if (generations < 1 || generations > 30) throw new UsageError('--generations must be within 1..30');
    if (enactors < 1 || enactors > 8) throw new UsageError('--enactors must be within 1..8');
    if (quorum < 1 || quorum > enactors) throw new UsageError(`--quorum must be within 1..${enactors}`);
    const out = (line: string) => process.stdout.write(`${line}\n`);

    const fabric = fabricModel({ generations, enactors, quorum, operatorActivations });
    out(`fabric model: ${fabric.description}`);
    const fabricResult = explore(fabric, { stopAtFirstViolation: false, statesMax });
    out(`  ${figures(fabricResult)}, violations ${fabricResult.violations}${fabricResult.complete ? '' : ' — INCOMPLETE (--states-max reached)'}`);
    if (fabricResult.counterexample !== null) printTrace(fabricResult, out);

    const naive = naiveModel({ generations, enactors, keep });
    out(`naive model: ${naive.description}`);
    const naiveResult = explore(naive, { stopAtFirstViolation: true, statesMax });
    if (naiveResult.counterexample === null) {
      out(`  ${figures(naiveResult)}: NO outage found — the checker failed to find the incident`);
    } else {
      out(`  ${figures(naiveResult)}: counterexample found`);
      printTrace(naiveResult, out);
    }
    const ok = fabricResult.violations === 0 && fabricResult.complete && naiveResult.counterexample !== null;
    out(ok ? 'explore: the fabric holds in every interleaving; the naive plane reaches the outage' : 'explore: FAILED');
    return ok ? 0 : 1;
  },
};

function figures(result: ExploreResult): string {
  return (
    `states explored ${result.states.toLocaleString('en-US')}, transitions ${result.transitions.toLocaleString('en-US')}, ` +
    `depth ${result.depth}, ${(result.elapsedMs / 1000).toFixed(1)} s (${(result.cpuMs / 1000).toFixed(1)} s CPU)`
  );
}

function printTrace(result: ExploreResult, out: (line: string) => void): void {
  const counterexample = result.counterexample!;
  out(`  shortest trace (${counterexample.trace.length} steps) to: ${counterexample.violation}`);
  counterexample.trace.forEach((step, i) => out(`    ${String(i + 1).padStart(2)}. ${step}`));
}
