export const FABRIC_CONFIG = Symbol('FABRIC_CONFIG');
export const LOGGER = Symbol('LOGGER');
export const JANITOR_SETTINGS = Symbol('JANITOR_SETTINGS');
export const ON_FATAL = Symbol('ON_FATAL');
