/**
 * StreamingAgentCoreApi from a browser page of another origin (headless Chromium), against `serve --agent-demo`: the
 * page reads the agent's SSE answer as it streams, reads the session id the API generated (an exposed header), and
 * sends it back in `X-Session-Id` (a preflighted header) to continue the conversation.
 */
import type { Browser } from 'playwright-core';
import { startRunner, type Runner } from '../runner/runner';
import { htmlPage, launchChromium, requireChromium, servePage, type PageServer } from '../support/browser';

let pageServer: PageServer;
let pageOrigin: string;
let runner: Runner;
let browser: Browser;

beforeAll(async () => {
  requireChromium();
  pageServer = await servePage(htmlPage('<!doctype html><title>agent</title>'));
  pageOrigin = pageServer.origin;
  runner = await startRunner([
    '--agent-demo',
    '--cors-origin',
    pageOrigin,
    '--answer-tokens',
    '12',
    '--tokens-per-second',
    '40',
    '--first-token-ms',
    '0',
  ]);
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await runner?.stop();
  await pageServer?.close();
});

interface Invocation {
  readonly status: number;
  readonly sessionId: string | null;
  /** The answer's reads, in order: each the text of one chunk. */
  readonly chunks: string[];
}

test('a page of another origin streams the answer and continues its session with the X-Session-Id it was given', async () => {
  const page = await browser.newPage();
  await page.goto(pageOrigin);
  const invoke = (sessionId: string | null) =>
    page.evaluate(
      async ({ url, session }): Promise<Invocation> => {
        const headers: Record<string, string> = { 'Content-Type': 'application/json' };
        if (session) headers['X-Session-Id'] = session;
        const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ prompt: 'Add them up' }) });
        const reader = response.body!.getReader();
        const decoder = new TextDecoder();
        const chunks: string[] = [];
        for (let read = await reader.read(); !read.done; read = await reader.read()) {
          chunks.push(decoder.decode(read.value, { stream: true }));
        }
        return { status: response.status, sessionId: response.headers.get('X-Session-Id'), chunks };
      },
      { url: `${runner.url}/invocations`, session: sessionId },
    );

  const first = await invoke(null);
  expect(first.status).toBe(200);
  expect(first.sessionId).toMatch(/^[A-Za-z0-9][A-Za-z0-9._:-]{32,255}$/);
  const text = first.chunks.join('');
  expect(text).toContain('event: tool_result\ndata: {"toolUseId":"tooluse_fake_1_calculator","status":"success"');
  expect(text).toMatch(/event: done\ndata: \{"stopReason":"end_turn"/);
  // 12 tokens at 40 per second after the tool step: the page reads the answer in many pieces, not one at the end.
  // Counted, not timed: a busy machine delays the reads, not their number.
  expect(first.chunks.length).toBeGreaterThanOrEqual(6);

  const second = await invoke(first.sessionId);
  expect(second.status).toBe(200);
  expect(second.sessionId).toBe(first.sessionId);
  // The fake model counts the words of the whole conversation it is sent: the second turn carries the first.
  expect(second.chunks.join('')).toMatch(/\((\d+) words received\)/);
  const words = (invocation: Invocation) => Number(/\((\d+) words received\)/.exec(invocation.chunks.join(''))![1]);
  expect(words(second)).toBeGreaterThan(words(first));
  await page.close();
}, 30_000);
