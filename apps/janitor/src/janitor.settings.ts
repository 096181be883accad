import { ActorArgs, type JanitorOptions } from '@plan-fabric/actors';

export const JANITOR_USAGE = `usage: tsx apps/janitor/src/main.ts --endpoint <id> [--actor <janitor id>] [--interval-ms N] [--keep N] [--stall-ms N]
--keep is how many fallback plans below the active one survive a sweep; --stall-ms pauses its
first sweep with work between choosing the plans and sending the deletes.
Each setting can also come from the environment: FABRIC_ENDPOINT, FABRIC_ACTOR_ID,
JANITOR_INTERVAL_MS, JANITOR_KEEP, JANITOR_STALL_MS.`;

export function readJanitorSettings(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): JanitorOptions {
  const args = new ActorArgs(argv, env);
  args.assertOnly(['endpoint', 'actor', 'interval-ms', 'keep', 'stall-ms']);
  const intervalMs = args.count('interval-ms', 'JANITOR_INTERVAL_MS', 5_000);
  if (intervalMs === 0) throw new Error('--interval-ms must be above 0');
  return {
    endpointId: args.text('endpoint', 'FABRIC_ENDPOINT'),
    janitorId: args.text('actor', 'FABRIC_ACTOR_ID', 'janitor'),
    intervalMs,
    keep: args.count('keep', 'JANITOR_KEEP', 2),
    stallMs: args.count('stall-ms', 'JANITOR_STALL_MS', 0),
  };
}
