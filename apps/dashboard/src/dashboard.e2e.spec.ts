import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueEndpointId } from '@plan-fabric/db';
import { commandsFor, startLiveStack, type LiveStack } from './testing/live-stack';

/** Debian's chromium package (.ci/run installs it); playwright-core drives it and downloads no browser of its own. */
const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOT = resolve(__dirname, '../../../test-output/dashboard.png');
const WAIT_MS = 30_000;

const endpointId = uniqueEndpointId('dash-e2e');
const c = commandsFor(endpointId);
let stack: LiveStack;
let context: BrowserContext;
let profile: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
  stack = await startLiveStack([endpointId]);
  const history = [
    c.register(['az-a', 'az-b', 'az-c'], 2),
    c.propose(1),
    c.apply('az-a', 1),
    c.confirm('az-a', 1),
    c.confirm('az-b', 1),
    c.confirm('az-c', 1),
    c.propose(2),
    c.apply('az-b', 2),
    c.confirm('az-a', 2),
    c.confirm('az-b', 2),
    c.remove(1),
    c.propose(3, 12),
    c.remove(3), // DELETE_ACTIVE_PLAN: newer than the live plan
    c.apply('az-c', 1), // PLAN_DELETED
    c.confirm('az-c', 3), // STALE_GENERATION
    c.propose(2), // GENERATION_NOT_INCREASING
    '{"commandId": "half a command",', // MALFORMED
  ];
  for (const command of history) await stack.send(endpointId, command);
  // A fresh profile per run; flags keep Chromium from reaching the network on its own.
  profile = mkdtempSync(join(tmpdir(), 'dashboard-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: { width: 1440, height: 1000 },
  });
});

afterAll(async () => {
  await context?.close();
  if (profile !== undefined) rmSync(profile, { recursive: true, force: true });
  await stack?.stop();
});

const text = (page: Page, testId: string) => page.getByTestId(testId).first().textContent();
/** Waits until the page shows `generation` as the live one. */
const liveGeneration = (page: Page, generation: string) =>
  page.getByTestId('live-generation').filter({ hasText: new RegExp(`^${generation}$`) }).waitFor({ timeout: WAIT_MS });

describe('dashboard page in headless Chromium', () => {
  it('shows the endpoint and its live generation, follows new commands without a reload, and sends an OperatorActivate', async () => {
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(`${stack.dashboard.url}/`);

    await page.locator(`[data-testid=endpoint-item][data-endpoint="${endpointId}"]`).waitFor({ timeout: WAIT_MS });
    await page.getByTestId('selected-endpoint').filter({ hasText: endpointId }).waitFor({ timeout: WAIT_MS });
    expect(await text(page, 'live-generation')).toBe('2');
    expect(await text(page, 'activation')).toBe('#2');
    await page.locator('[data-testid=live-status]', { hasText: 'live' }).waitFor({ timeout: WAIT_MS });
    // Rejections by reason with their details.
    for (const reason of ['DELETE_ACTIVE_PLAN', 'PLAN_DELETED', 'STALE_GENERATION', 'GENERATION_NOT_INCREASING', 'MALFORMED']) {
      await page.locator(`[data-testid=rejections] [data-reason=${reason}]`).waitFor({ timeout: WAIT_MS });
    }
    expect(await page.getByTestId('rejections').textContent()).toContain('plan 3 is newer than the active plan 2');
    expect(await page.locator('[data-testid=timeline] rect[data-status=active]').count()).toBeGreaterThan(0);

    // A marker that a reload would wipe: the page must change under it.
    await page.evaluate("window.noReloadMarker = 'still here'");
    await stack.send(endpointId, c.apply('az-c', 3));
    await liveGeneration(page, '3');
    await stack.send(endpointId, c.confirm('az-c', 3));
    await page.locator('[data-enactor=az-c] [data-testid=enactor-lag]', { hasText: 'in step' }).waitFor({ timeout: WAIT_MS });
    expect(await page.locator('[data-enactor=az-a] [data-testid=enactor-lag]').textContent()).toBe('1 behind');

    // The operator rolls back through the page.
    await page.getByTestId('activate-generation').selectOption('2');
    await page.getByTestId('activate-reason').fill('gen 3 drops packets in az-c');
    await page.getByTestId('activate-submit').click();
    await page.getByTestId('activate-result').filter({ hasText: 'accepted' }).waitFor({ timeout: WAIT_MS });
    await liveGeneration(page, '2');
    expect(await text(page, 'activation')).toBe('#4');
    expect(await page.locator('[data-testid=timeline]').textContent()).toContain('#4 operator');

    // A dry run from the page appends nothing.
    const ends = await stack.topicEnds(endpointId);
    await page.getByTestId('dry-run-command').fill(JSON.stringify({ type: 'DeletePlan', actor: { role: 'janitor', id: 'janitor-1' }, payload: { generation: 2 } }));
    await page.getByTestId('dry-run-submit').click();
    await page.getByTestId('dry-run-result').filter({ hasText: 'would be rejected: DELETE_ACTIVE_PLAN' }).waitFor({ timeout: WAIT_MS });

    await stack.send(endpointId, c.propose(4));
    await stack.send(endpointId, c.confirm('az-a', 2));
    await stack.send(endpointId, c.confirm('az-b', 2));
    await page.locator('[data-testid=timeline] text', { hasText: 'gen 4' }).waitFor({ timeout: WAIT_MS });
    await page.locator('[data-enactor=az-b] [data-testid=enactor-lag]', { hasText: 'in step' }).waitFor({ timeout: WAIT_MS });
    // Only the three commands sent went anywhere: each one record, one event plus its transaction's commit marker.
    expect(await stack.topicEnds(endpointId)).toEqual({ ...ends, commands: ends.commands + 3, events: ends.events + 6 });

    expect(await page.evaluate('window.noReloadMarker')).toBe('still here');
    expect(problems).toEqual([]);
    mkdirSync(resolve(SCREENSHOT, '..'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(existsSync(SCREENSHOT)).toBe(true);
  });
});
