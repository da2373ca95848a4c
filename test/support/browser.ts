/**
 * What the browser tests share: Debian's Chromium, launched headless, and a page of another origin than the API's,
 * served from 127.0.0.1.
 */
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Fails, before a test starts anything, with how to install Chromium where it is missing. */
export function requireChromium(): void {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium); .ci/run does`);
  }
}

/** Headless Chromium with the flags every browser test uses, plus `extraArgs`. */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--no-first-run',
      ...extraArgs,
    ],
  });
}

export interface PageServer {
  /** `http://127.0.0.1:<port>`: the page's origin, for the runner's --cors-origin. */
  readonly origin: string;
  close(): Promise<void>;
}

/** Serves the page's origin on a free port of 127.0.0.1 with `listener`. */
export async function servePage(listener: http.RequestListener): Promise<PageServer> {
  const server = http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A listener that answers every request with `html`. */
export function htmlPage(html: string): http.RequestListener {
  return (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(html);
  };
}
