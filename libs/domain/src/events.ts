import type { Actor, ActorKeyEntry, PlanRecord } from './commands';
import type { RejectionReason } from './reasons';

export interface EventData {
  EndpointRegistered: {
    readonly enactors: readonly string[];
    readonly quorum: number;
    readonly minValidPlans: number;
    readonly maxCapacityDropPercent: number;
    /** Actor keys registered with the endpoint, and the operator key that signed them (both absent when none). */
    readonly keys?: readonly ActorKeyEntry[];
    readonly signedBy?: string;
  };
  PlanProposed: { readonly generation: number; readonly records: readonly PlanRecord[]; readonly ttl: number };
  PlanActivated: {
    readonly generation: number;
    /** Fencing token: grows by one with every activation of the endpoint. */
    readonly activation: number;
    readonly previousGeneration: number | null;
    readonly by: Actor;
    /** The operator's reason; null for an enactor's activation. */
    readonly reason: string | null;
  };
  PlanConfirmed: { readonly enactorId: string; readonly generation: number };
  PlanDeleted: { readonly generation: number };
  CommandRejected: {
    readonly reason: RejectionReason;
    readonly detail: string;
    readonly commandType: string | null;
    readonly actor: Actor | null;
  };
  CommandDuplicated: { readonly firstOffset: number };
  ActorKeyRegistered: { readonly actor: Actor; readonly publicKey: string; readonly signedBy: string };
  /** actor is null when the revoked key was a trust root. */
  ActorKeyRevoked: { readonly publicKey: string; readonly actor: Actor | null; readonly signedBy: string };
}

export type EventType = keyof EventData;

/**
 * One event of an endpoint's log. `seq` numbers an endpoint's events 1, 2, 3…
 * without gaps; `commandOffset` is the offset of the command record it decides;
 * `prevHash` chains it to the event before (see hash-chain.ts).
 */
export type FabricEvent = {
  [T in EventType]: {
    readonly seq: number;
    readonly endpointId: string;
    readonly commandOffset: number;
    readonly commandId: string | null;
    /** SHA-256 (lowercase hex) of the previous event's canonical JSON on this endpoint; 64 zeros for seq 1. */
    readonly prevHash: string;
    readonly type: T;
    readonly data: EventData[T];
  };
}[EventType];

export type EventOf<T extends EventType> = Extract<FabricEvent, { type: T }>;

export type Outcome = 'accepted' | 'rejected' | 'duplicate';

export function outcomeOf(event: FabricEvent): Outcome {
  if (event.type === 'CommandRejected') return 'rejected';
  if (event.type === 'CommandDuplicated') return 'duplicate';
  return 'accepted';
}
