/**
 * The example browser client in headless Chromium (Debian's, driven by playwright-core): the answer renders as it
 * streams from the local runner, across origins with CORS.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Browser } from 'playwright-core';
import { startRunner, type Runner } from '../runner/runner';
import { htmlPage, launchChromium, requireChromium, servePage, type PageServer } from '../support/browser';
import { fakeTokens } from '../support/fake-model';

const PAGE = fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'clients', 'browser.html'), 'utf8');

let pageServer: PageServer;
let pageOrigin: string;
let runner: Runner;
let browser: Browser;

beforeAll(async () => {
  requireChromium();
  pageServer = await servePage(htmlPage(PAGE));
  pageOrigin = pageServer.origin;
  runner = await startRunner([
    '--cors-origin',
    pageOrigin,
    '--answer-tokens',
    '12',
    '--tokens-per-second',
    '20',
    '--first-token-ms',
    '50',
  ]);
  browser = await launchChromium(['--disable-component-update', '--disable-sync']);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await runner?.stop();
  await pageServer?.close();
});

test('the page renders the answer progressively, then the done status', async () => {
  const page = await browser.newPage();
  await page.goto(`${pageOrigin}/?api=${encodeURIComponent(`${runner.url}/stream`)}`);
  // Record every change of the rendered answer with its time, in the page itself.
  await page.evaluate(() => {
    const w = window as unknown as { lengths: Array<[number, number]> };
    w.lengths = [];
    const target = document.getElementById('answer')!;
    new MutationObserver(() => w.lengths.push([performance.now(), target.textContent!.length])).observe(target, {
      childList: true,
      characterData: true,
      subtree: true,
    });
  });
  await page.click('#send');
  await page.waitForFunction(() => document.body.dataset.state === 'done', undefined, { timeout: 15_000 });

  expect(await page.textContent('#answer')).toBe(fakeTokens(12, 4).join(''));
  expect(await page.textContent('#status')).toMatch(/^Done \(end_turn, 12 tokens, \d+ ms\)$/);
  const lengths = await page.evaluate(() => (window as unknown as { lengths: Array<[number, number]> }).lengths);
  const growing = lengths.filter(([, length]) => length > 0);
  // 12 tokens at 20/s: the text grows in many steps, not in one piece at the end (an answer that arrived whole
  // renders in one task, one mutation record). Counted, not timed: a busy machine delays the steps, not their number.
  expect(growing.length).toBeGreaterThanOrEqual(6);
  await page.close();
}, 30_000);

test('errors are shown to the user (a prompt the API rejects)', async () => {
  const page = await browser.newPage();
  await page.goto(`${pageOrigin}/?api=${encodeURIComponent(`${runner.url}/stream`)}`);
  await page.fill('#prompt', '   ');
  await page.click('#send');
  await page.waitForFunction(() => document.body.dataset.state === 'error', undefined, { timeout: 10_000 });
  expect(await page.textContent('#status')).toMatch(/^400 invalid_value: prompt must not be empty or blank\.$/);
  await page.close();
}, 30_000);
