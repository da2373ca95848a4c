/**
 * examples/web-chat, the useChat page (@ai-sdk/react), built with Vite and driven in headless Chromium against the
 * runner's POST /chat across origins: the answer streams in, a mid-stream failure shows the API's fixed message and
 * keeps the partial text. WEB_CHAT_SCREENSHOT=<path> also saves the README's picture of the page mid-answer
 * (`npx projen web-chat:screenshot` writes docs/web-chat.png).
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import type * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import type { Browser, Page } from 'playwright-core';
import { startRunner, type Runner } from '../runner/runner';
import { launchChromium, requireChromium, servePage, type PageServer } from '../support/browser';
import { fakeTokens } from '../support/fake-model';

const BUILD_SCRIPT = path.join(__dirname, '..', '..', 'examples', 'web-chat', 'build.mjs');
const PROMPT = 'Tell me about streaming';
const PROMPT_WORDS = 4;
const ANSWER_TOKENS = 24;
const FAST = ['--answer-tokens', String(ANSWER_TOKENS), '--tokens-per-second', '20', '--first-token-ms', '50'];
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };

let siteDir: string;
let pageServer: PageServer;
let pageOrigin: string;
let browser: Browser;
const runners: Runner[] = [];

beforeAll(async () => {
  requireChromium();
  // Vite is ESM-only: the page is built by its own script in a child process, as `node build.mjs` would.
  siteDir = fs.mkdtempSync(path.join(os.tmpdir(), 'web-chat-'));
  await promisify(execFile)(process.execPath, [BUILD_SCRIPT, siteDir]);
  pageServer = await servePage(serveStatic);
  pageOrigin = pageServer.origin;
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all(runners.map((runner) => runner.stop()));
  await pageServer?.close();
  fs.rmSync(siteDir, { recursive: true, force: true });
});

function serveStatic(req: http.IncomingMessage, res: http.ServerResponse): void {
  const name = new URL(req.url ?? '/', 'http://page').pathname;
  const file = path.join(siteDir, name === '/' ? 'index.html' : path.normalize(name));
  if (!file.startsWith(siteDir) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'Content-Type': `${TYPES[path.extname(file)] ?? 'application/octet-stream'}; charset=utf-8` });
  fs.createReadStream(file).pipe(res);
}

async function runnerFor(args: string[]): Promise<Runner> {
  const runner = await startRunner(['--cors-origin', pageOrigin, ...args]);
  runners.push(runner);
  return runner;
}

/** Opens the page against a runner's /chat and sends the prompt. */
async function ask(runner: Runner): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1000, height: 640 } });
  await page.goto(`${pageOrigin}/?api=${encodeURIComponent(`${runner.url}/chat`)}`);
  await recordLengths(page);
  await page.fill('#prompt', PROMPT);
  await page.click('#send');
  // The request is under way once the chat leaves `ready` (useChat sets `submitted` before it fetches).
  await page.waitForSelector('main:not([data-status=ready])');
  return page;
}

const assistantText = (page: Page) => page.locator('[data-role=assistant] .text').allTextContents();

/**
 * Records in the page every length the assistant's text and reasoning take, as React renders them (a
 * MutationObserver, so the samples do not depend on how fast the test polls).
 */
async function recordLengths(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { samples: Record<string, number[]> };
    w.samples = { text: [], reasoning: [] };
    const length = (selector: string) =>
      Array.from(document.querySelectorAll(selector), (node) => node.textContent ?? '').join('').length;
    new MutationObserver(() => {
      for (const [kind, selector] of [
        ['text', '[data-role=assistant] .text'],
        ['reasoning', '[data-role=assistant] .reasoning p'],
      ]) {
        const now = length(selector);
        if (now !== (w.samples[kind].at(-1) ?? 0)) {
          w.samples[kind].push(now);
        }
      }
    }).observe(document.getElementById('root')!, { childList: true, characterData: true, subtree: true });
  });
}

const samples = (page: Page) =>
  page.evaluate(() => (window as unknown as { samples: Record<string, number[]> }).samples);

/** Waits until the chat has left the streaming states (`ready` or `error`). */
const settled = (page: Page) =>
  page.waitForSelector('main[data-status=ready], main[data-status=error]', { timeout: 15_000 });

test('the answer streams into the page, then the usage and the ready status', async () => {
  // The README's picture is taken mid-answer, from a slower model so that it shows the text half written.
  const screenshot = process.env.WEB_CHAT_SCREENSHOT;
  const page = await ask(await runnerFor(screenshot ? [...FAST, '--tokens-per-second', '4'] : FAST));
  const expected = fakeTokens(ANSWER_TOKENS, PROMPT_WORDS).join('');
  if (screenshot) {
    await page.waitForFunction(
      (half) => (document.querySelector('[data-role=assistant] .text')?.textContent?.length ?? 0) >= half,
      expected.length / 2,
    );
    await page.setViewportSize({ width: 1000, height: 380 });
    await page.screenshot({ path: screenshot });
  }
  await settled(page);

  expect(await page.locator('[data-role=user]').textContent()).toBe(PROMPT);
  expect((await assistantText(page)).join('')).toBe(expected);
  // 24 tokens, one delta each: the page showed the text in many growing steps, not once at the end.
  const { text } = await samples(page);
  expect(text.length).toBeGreaterThanOrEqual(6);
  expect(text).toEqual([...text].sort((a, b) => a - b));
  expect(text[0]).toBeLessThan(expected.length / 2);
  expect(text.at(-1)).toBe(expected.length);
  expect(await page.locator('main').getAttribute('data-status')).toBe('ready');
  expect(await page.locator('.usage').textContent()).toContain(`${PROMPT_WORDS} in · ${ANSWER_TOKENS} out`);
  expect(await page.locator('#error').count()).toBe(0);
  await page.close();
}, 60_000);

test('a mid-stream model failure shows the fixed message and keeps the partial answer', async () => {
  const page = await ask(await runnerFor([...FAST, '--fault', 'midstream']));
  await settled(page);

  expect(await page.locator('main').getAttribute('data-status')).toBe('error');
  expect(await page.textContent('#error')).toBe('The model failed to answer. Try again.');
  // The fake model fails after half of its deltas: exactly those stay on the page, shown as they came.
  const half = fakeTokens(ANSWER_TOKENS, PROMPT_WORDS).slice(0, ANSWER_TOKENS / 2);
  expect((await assistantText(page)).join('')).toBe(half.join(''));
  expect((await samples(page)).text.length).toBeGreaterThanOrEqual(3);
  await page.close();
}, 60_000);

test("an error before the answer (the model is throttled) shows the API's message, not its JSON body", async () => {
  const page = await ask(await runnerFor(['--fault', 'throttle']));
  await settled(page);

  expect(await page.locator('main').getAttribute('data-status')).toBe('error');
  expect(await page.textContent('#error')).toBe(
    'The model is receiving too many requests. Retry after the delay in the Retry-After header.',
  );
  expect(await page.locator('[data-role=assistant]').count()).toBe(0);
  await page.close();
}, 60_000);

test('reasoning streams into its own part before the answer, folded once done', async () => {
  // 10 tokens per second: the 4 reasoning chunks 100 ms apart, so that renders cannot batch them on a busy machine.
  const page = await ask(await runnerFor([...FAST, '--tokens-per-second', '10', '--reasoning']));
  await settled(page);

  const { reasoning, text } = await samples(page);
  // The fake model reasons in 4 chunks, 50 ms apart: the part is seen growing (renders may batch on a busy machine).
  expect(reasoning.length).toBeGreaterThanOrEqual(2);
  expect(reasoning).toEqual([...reasoning].sort((a, b) => a - b));
  expect(text.length).toBeGreaterThanOrEqual(3);
  const part = page.locator('[data-role=assistant] .reasoning');
  expect(await part.getAttribute('data-state')).toBe('done');
  expect(await part.getAttribute('open')).toBeNull();
  expect(await page.locator('main').getAttribute('data-status')).toBe('ready');
  await page.close();
}, 60_000);
