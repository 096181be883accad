import { ActorArgs, type EnactorOptions } from '@plan-fabric/actors';

export const ENACTOR_USAGE = `usage: tsx apps/enactor/src/main.ts --endpoint <id> --actor <enactor id>
  [--stall-ms N] [--stall-count N] [--claim-delay-ms N] [--apply-ms N]
Each setting can also come from the environment: FABRIC_ENDPOINT, FABRIC_ACTOR_ID,
ENACTOR_STALL_MS, ENACTOR_STALL_COUNT, ENACTOR_CLAIM_DELAY_MS, ENACTOR_APPLY_MS.`;

export function readEnactorSettings(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): EnactorOptions {
  const args = new ActorArgs(argv, env);
  args.assertOnly(['endpoint', 'actor', 'stall-ms', 'stall-count', 'claim-delay-ms', 'apply-ms']);
  return {
    endpointId: args.text('endpoint', 'FABRIC_ENDPOINT'),
    enactorId: args.text('actor', 'FABRIC_ACTOR_ID'),
    stallMs: args.count('stall-ms', 'ENACTOR_STALL_MS', 0),
    stallCount: args.count('stall-count', 'ENACTOR_STALL_COUNT', 1),
    claimDelayMs: args.count('claim-delay-ms', 'ENACTOR_CLAIM_DELAY_MS', 0),
    applyMs: args.count('apply-ms', 'ENACTOR_APPLY_MS', 0),
  };
}
