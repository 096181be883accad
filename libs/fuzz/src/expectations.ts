import type { EventType, RejectionReason } from '@plan-fabric/domain';

/**
 * The oracle's word on one hostile record, stated by the generator from what
 * it did to the record, never by asking decide.
 */
export type Expectation =
  /** Not a command: a broken envelope or payload type, a size limit, not JSON. */
  | { readonly kind: 'malformed' }
  /** A command, rejected for one of these reasons of its own. */
  | { readonly kind: 'rejected'; readonly reasons: readonly RejectionReason[] }
  | { readonly kind: 'accepted'; readonly eventType: EventType }
  /** A command with a fresh id: accepted or rejected by its own checks, never MALFORMED or a duplicate. */
  | { readonly kind: 'well-formed' }
  | { readonly kind: 'duplicate'; readonly firstOffset: number }
  /** The same document spelled differently: it must be decided exactly as `value` (a differential oracle). */
  | { readonly kind: 'same-as'; readonly value: string }
  /** No oracle (random edits that still parse); the generic checks still apply. */
  | { readonly kind: 'any' };

export const MALFORMED: Expectation = { kind: 'malformed' };
export const WELL_FORMED: Expectation = { kind: 'well-formed' };
export const ANY: Expectation = { kind: 'any' };

export const rejected = (...reasons: RejectionReason[]): Expectation => ({ kind: 'rejected', reasons });
export const accepted = (eventType: EventType): Expectation => ({ kind: 'accepted', eventType });

export function describeExpectation(expectation: Expectation): string {
  switch (expectation.kind) {
    case 'rejected':
      return expectation.reasons.join(' or ');
    case 'accepted':
      return `accepted (${expectation.eventType})`;
    case 'duplicate':
      return `duplicate of offset ${expectation.firstOffset}`;
    case 'same-as':
      return 'the same decision as its plain spelling';
    case 'malformed':
      return 'MALFORMED';
    case 'well-formed':
      return 'decided on its merits (not MALFORMED, not a duplicate)';
    case 'any':
      return 'any single outcome';
  }
}
