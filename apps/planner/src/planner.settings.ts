import { ActorArgs, type PlannerOptions } from '@plan-fabric/actors';

export const PLANNER_USAGE = `usage: tsx apps/planner/src/main.ts --endpoint <id> [--actor <planner id>]
  [--interval-ms N (0: only on request)] [--count N (0: no limit)] [--ttl N] [--records N] [--stall-ms N]
SIGUSR2 asks for a proposal now.
Each setting can also come from the environment: FABRIC_ENDPOINT, FABRIC_ACTOR_ID,
PLANNER_INTERVAL_MS, PLANNER_COUNT, PLANNER_TTL, PLANNER_RECORDS, PLANNER_STALL_MS.`;

export function readPlannerSettings(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): PlannerOptions {
  const args = new ActorArgs(argv, env);
  args.assertOnly(['endpoint', 'actor', 'interval-ms', 'count', 'ttl', 'records', 'stall-ms']);
  return {
    endpointId: args.text('endpoint', 'FABRIC_ENDPOINT'),
    plannerId: args.text('actor', 'FABRIC_ACTOR_ID', 'planner'),
    intervalMs: args.count('interval-ms', 'PLANNER_INTERVAL_MS', 10_000),
    count: args.count('count', 'PLANNER_COUNT', 0),
    ttl: args.count('ttl', 'PLANNER_TTL', 60),
    recordsPerPlan: args.count('records', 'PLANNER_RECORDS', 3),
    stallMs: args.count('stall-ms', 'PLANNER_STALL_MS', 0),
  };
}
