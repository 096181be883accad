import { resolve } from 'node:path';

/** The repository root (this file is apps/cli/src/repo-root.ts): services and scripts run from here. */
export const REPO_ROOT = resolve(__dirname, '../../..');
