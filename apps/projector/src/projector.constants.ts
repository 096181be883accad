/** Injection tokens: tsx emits no decorator metadata, so every constructor parameter names its token. */
export const FABRIC_CONFIG = Symbol('FABRIC_CONFIG');
export const LOGGER = Symbol('LOGGER');
export const PROJECTOR_SETTINGS = Symbol('PROJECTOR_SETTINGS');
export const PROJECTOR_METRICS = Symbol('PROJECTOR_METRICS');
export const PROJECTOR_METRICS_OPTIONS = Symbol('PROJECTOR_METRICS_OPTIONS');
