export const FABRIC_CONFIG = Symbol('FABRIC_CONFIG');
export const LOGGER = Symbol('LOGGER');
export const SEQUENCER_LIMITS = Symbol('SEQUENCER_LIMITS');
