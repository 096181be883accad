export const FABRIC_CONFIG = Symbol('FABRIC_CONFIG');
export const LOGGER = Symbol('LOGGER');
export const NAIVE_SETTINGS = Symbol('NAIVE_SETTINGS');
