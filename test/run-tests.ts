/**
 * `npm test`: runs every tier (unit, integration, e2e) with vitest and ends
 * with one line `N passed, N failed`. Arguments are passed on to vitest
 * (for example a path filter: `npm test -- libs/domain`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(__dirname, '..');
const outputDir = resolve(root, 'test-output');
const results = resolve(outputDir, 'vitest-results.json');
mkdirSync(outputDir, { recursive: true });
rmSync(results, { force: true });

const run = spawnSync(
  resolve(root, 'node_modules/.bin/vitest'),
  ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${results}`, ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit' },
);

let passed = 0;
let failed = 0;
if (existsSync(results)) {
  const report = JSON.parse(readFileSync(results, 'utf8')) as { numPassedTests: number; numFailedTests: number; numTotalTestSuites: number; numFailedTestSuites: number };
  passed = report.numPassedTests;
  failed = report.numFailedTests + (report.numFailedTests === 0 && run.status !== 0 ? Math.max(1, report.numFailedTestSuites) : 0);
} else {
  failed = 1;
  process.stdout.write('vitest wrote no results: the run failed before any test (see the error above)\n');
}
if (run.status === 0 && passed === 0) {
  failed = 1;
  process.stdout.write('no test ran\n');
}
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exit(failed > 0 || run.status !== 0 ? 1 : 0);
