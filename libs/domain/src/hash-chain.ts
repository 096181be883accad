import { canonicalJson } from './canonical-json';
import type { FabricEvent } from './events';
import { sha256Hex } from './sha256';

/**
 * The hash chain of an endpoint's event log: every event carries `prevHash`,
 * the SHA-256 of the canonical bytes of the event before it on the same
 * endpoint, so editing, reordering or removing any event breaks a link that
 * an audit finds (the last event is held by the sequencer's committed offset).
 */

/** prevHash of an endpoint's first event (seq 1): there is no event before it. */
export const GENESIS_HASH = '0'.repeat(64);

/** What the next event's prevHash must be: SHA-256 of this event's canonical JSON, the bytes the sequencer writes. */
export function eventHash(event: FabricEvent): string {
  return sha256Hex(canonicalJson(event));
}
