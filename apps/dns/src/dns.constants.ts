/** Injection tokens: tsx emits no decorator metadata, so every constructor parameter names its token. */
export const FABRIC_CONFIG = Symbol('FABRIC_CONFIG');
export const LOGGER = Symbol('LOGGER');
export const DNS_SETTINGS = Symbol('DNS_SETTINGS');
