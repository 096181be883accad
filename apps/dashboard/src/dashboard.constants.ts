export const FABRIC_CONFIG = Symbol('FABRIC_CONFIG');
export const LOGGER = Symbol('LOGGER');
export const DASHBOARD_SETTINGS = Symbol('DASHBOARD_SETTINGS');
/** The pg Pool of the read-only role: the only database connection the dashboard has. */
export const READER_POOL = Symbol('READER_POOL');
export const OPERATOR_ACTIONS = Symbol('OPERATOR_ACTIONS');
