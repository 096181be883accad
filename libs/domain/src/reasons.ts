/** Every reason a command can be rejected for, in DESIGN.md's words. */
export const REJECTION_REASONS = [
  'MALFORMED',
  'NOT_AUTHENTICATED',
  'UNKNOWN_ENDPOINT',
  'NOT_AUTHORIZED',
  'ALREADY_REGISTERED',
  'INVALID_REGISTRATION',
  'INVALID_PLAN',
  'GENERATION_NOT_INCREASING',
  'UNKNOWN_PLAN',
  'PLAN_DELETED',
  'ALREADY_ACTIVE',
  'STALE_GENERATION',
  'CAPACITY_DROP_TOO_LARGE',
  'OUT_OF_ORDER_CONFIRMATION',
  'DELETE_ACTIVE_PLAN',
  'WOULD_LEAVE_NO_VALID_PLAN',
  'QUORUM_NOT_REACHED',
  'INVALID_KEY_CHANGE',
] as const;

export type RejectionReason = (typeof REJECTION_REASONS)[number];

export function isRejectionReason(value: string): value is RejectionReason {
  return (REJECTION_REASONS as readonly string[]).includes(value);
}
