import { ActorArgs, type NaiveEnactorOptions, type NaiveJanitorOptions, type NaivePlannerOptions } from '@plan-fabric/actors';

export type NaiveSettings =
  | { readonly role: 'planner'; readonly planner: NaivePlannerOptions }
  | { readonly role: 'enactor'; readonly enactor: NaiveEnactorOptions }
  | { readonly role: 'janitor'; readonly janitor: NaiveJanitorOptions };

export const NAIVE_USAGE = `usage: tsx apps/naive/src/main.ts --role planner|enactor|janitor --endpoint <id> [--actor <id>] …
  planner: [--interval-ms N] [--count N] [--ttl N] [--records N]
  enactor: --actor <id> [--poll-ms N] [--stall-ms N] [--stall-count N] [--claim-delay-ms N] [--apply-ms N] [--retry-ms N]
  janitor: [--interval-ms N] [--keep N]
The naive control plane of the demo: the incident's actors, writing shared
Postgres tables (schema naive) directly — no sequencer, no fence.`;

const COMMON = ['role', 'endpoint', 'actor'];

export function readNaiveSettings(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): NaiveSettings {
  const args = new ActorArgs(argv, env);
  const role = args.text('role', 'NAIVE_ROLE');
  const endpointId = args.text('endpoint', 'FABRIC_ENDPOINT');
  switch (role) {
    case 'planner':
      args.assertOnly([...COMMON, 'interval-ms', 'count', 'ttl', 'records']);
      return {
        role,
        planner: {
          endpointId,
          plannerId: args.text('actor', 'FABRIC_ACTOR_ID', 'planner'),
          intervalMs: args.count('interval-ms', 'PLANNER_INTERVAL_MS', 10_000),
          count: args.count('count', 'PLANNER_COUNT', 0),
          ttl: args.count('ttl', 'PLANNER_TTL', 60),
          recordsPerPlan: args.count('records', 'PLANNER_RECORDS', 3),
        },
      };
    case 'enactor':
      args.assertOnly([...COMMON, 'poll-ms', 'stall-ms', 'stall-count', 'claim-delay-ms', 'apply-ms', 'retry-ms']);
      return {
        role,
        enactor: {
          endpointId,
          enactorId: args.text('actor', 'FABRIC_ACTOR_ID'),
          pollMs: args.count('poll-ms', 'ENACTOR_POLL_MS', 50),
          stallMs: args.count('stall-ms', 'ENACTOR_STALL_MS', 0),
          stallCount: args.count('stall-count', 'ENACTOR_STALL_COUNT', 1),
          claimDelayMs: args.count('claim-delay-ms', 'ENACTOR_CLAIM_DELAY_MS', 0),
          applyMs: args.count('apply-ms', 'ENACTOR_APPLY_MS', 0),
          retryMs: args.count('retry-ms', 'ENACTOR_RETRY_MS', 1_000),
        },
      };
    case 'janitor':
      args.assertOnly([...COMMON, 'interval-ms', 'keep']);
      return {
        role,
        janitor: {
          endpointId,
          janitorId: args.text('actor', 'FABRIC_ACTOR_ID', 'janitor'),
          intervalMs: args.count('interval-ms', 'JANITOR_INTERVAL_MS', 5_000),
          keep: args.count('keep', 'JANITOR_KEEP', 2),
        },
      };
    default:
      throw new Error(`--role must be planner, enactor or janitor (got '${role}')`);
  }
}

export function naiveActorId(settings: NaiveSettings): string {
  switch (settings.role) {
    case 'planner':
      return settings.planner.plannerId;
    case 'enactor':
      return settings.enactor.enactorId;
    case 'janitor':
      return settings.janitor.janitorId;
  }
}
