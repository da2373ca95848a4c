/**
 * Benchmarks: the latency the library adds between the model and the client, the handler's CPU, memory, bundle and
 * cold load, the cost of synthesizing it, and the local runner under load. Each figure is measured against a baseline
 * in the same run (these machines are noisy) and reported as a median over repetitions. Prints a table and writes
 * bench-results/latest.json. `--quick` runs a short version (seconds) so that the scripts never rot; it asserts
 * nothing about timings.
 *
 *   npm run bench            # full run (several minutes)
 *   npm run bench -- --quick
 */
import { execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { Writable } from 'stream';
import { BedrockAgentCoreClient, InvokeAgentRuntimeCommand } from '@aws-sdk/client-bedrock-agentcore';
import { GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { mixedAnswer } from './fake-server';
import { HandlerEnvironment, agentCoreEnvironment, handlerEnvironment } from '../src/contract';
import { BudgetStore } from '../src/local/budget-store';
import { FakeAgentCore } from '../src/local/fake-agent-core';
import { createKey, createKeyTable } from '../src/local/key-admin';
import { LocalApi, type HandlerModule } from '../src/local/local-api';
import { answer, FakeBedrock, httpError, type FakeFrame, type FakeRequest } from '../test/support/fake-bedrock';

const ROOT = path.join(__dirname, '..');
const BUNDLE = path.join(ROOT, 'assets', 'handler', 'index.lambda', 'index.js');
const CLI = path.join(ROOT, 'assets', 'local', 'cli', 'index.js');
const AGENT_CORE_BUNDLE = path.join(ROOT, 'assets', 'agent-core-handler', 'index.js');
const QUICK = process.argv.includes('--quick');
/**
 * `--only latency,handler`: run just these sections (latency, protocols, budgets, keys, fallback, agent-core,
 * handler, bundle, synth, runner).
 */
const ONLY = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1].split(',') : undefined;
const section = (name: string) => ONLY === undefined || ONLY.includes(name);
const now = () => performance.now();

interface Figure {
  readonly name: string;
  readonly value: string;
  readonly baseline: string;
  readonly ratio?: string;
  readonly target: string;
  readonly met?: boolean;
  /** A correctness check (not a timing): a miss fails the run, quick or not. */
  readonly check?: boolean;
}
const figures: Figure[] = [];
const failedChecks: string[] = [];
/**
 * Prints a figure with its verdict. A quick run has too few samples to judge a timing against its target, so it
 * says so instead of printing a verdict that noise decides; a failed check fails the run.
 */
const record = (figure: Figure) => {
  figures.push(figure);
  if (figure.check && figure.met === false) {
    failedChecks.push(figure.name);
  }
  process.stdout.write(
    `  ${figure.name}: ${figure.value} (baseline ${figure.baseline}${figure.ratio ? `, ratio ${figure.ratio}` : ''}) target ${figure.target}${verdict(figure)}\n`,
  );
};
function verdict(figure: Figure): string {
  if (figure.met === undefined) return '';
  if (QUICK && !figure.check) return ' (quick run: not judged)';
  return figure.met ? ' ok' : ' MISSED';
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
const ms = (v: number) => `${v.toFixed(2)} ms`;

/** The model the benches' handler is configured with (Claude Haiku 4.5's US inference profile). */
const BENCH_MODEL_ID = 'us.anthropic.claude-haiku-4-5-20251001-v1:0';

function handlerEnv(endpoint: string): Record<string, string> {
  return {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIABENCHBENCHBENCH0',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_ENDPOINT_URL_BEDROCK_RUNTIME: endpoint,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...handlerEnvironment({ modelId: BENCH_MODEL_ID, maxTokens: 100_000 }),
  };
}

/** The SSE events that carry a chunk of the model's output, one per delta the fake model sends. */
const CHUNK_EVENT = /event: (?:delta|reasoning)\ndata: \{"text"/g;
/**
 * The same in the client protocols: an OpenAI content delta, an AI SDK text delta, an Anthropic text delta, a
 * Responses output text delta.
 */
const OPENAI_TEXT_CHUNK = /"delta":\{"content":/g;
const AI_SDK_TEXT_CHUNK = /"type":"text-delta"/g;
const ANTHROPIC_TEXT_CHUNK = /"type":"text_delta"/g;
const RESPONSES_TEXT_CHUNK = /event: response\.output_text\.delta\n/g;

/** POSTs and records when each SSE text or reasoning delta (and the first body byte) arrived. */
function post(
  url: string,
  body: unknown,
  accept = 'text/event-stream',
  agent?: http.Agent,
  chunkEvent = CHUNK_EVENT,
  extraHeaders: Record<string, string> = {},
) {
  return new Promise<{ started: number; firstByte: number; deltas: number[]; status: number; text: string }>(
    (resolve, reject) => {
      const started = now();
      let firstByte = 0;
      const deltas: number[] = [];
      let tail = '';
      let text = '';
      const req = http.request(
        url,
        { method: 'POST', agent, headers: { 'Content-Type': 'application/json', Accept: accept, ...extraHeaders } },
        (res) => {
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            const at = now();
            firstByte ||= at;
            if (accept === 'text/event-stream') {
              // Count events whose marker ends in this chunk (a marker may straddle chunks).
              const scan = tail + chunk;
              for (const match of scan.matchAll(chunkEvent)) {
                if (match.index + match[0].length > tail.length) deltas.push(at);
              }
              tail = scan.slice(-30);
            } else {
              text += chunk;
            }
          });
          res.on('end', () => resolve({ started, firstByte, deltas, status: res.statusCode ?? 0, text }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify(body));
    },
  );
}

/** In-process: fake model -> real SDK in the bundled handler -> local API Gateway front -> HTTP client. */
async function withLocalApi<T>(fn: (url: string, fake: FakeBedrock, sent: Map<FakeRequest, number[]>) => Promise<T>) {
  const fake = await new FakeBedrock().start();
  Object.assign(process.env, handlerEnv(fake.url));
  const sent = new Map<FakeRequest, number[]>();
  fake.onFrame = (request, frame) => {
    if (isChunkFrame(frame)) {
      const times = sent.get(request) ?? [];
      times.push(now());
      sent.set(request, times);
    }
  };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const handlers: HandlerModule = require(BUNDLE);
  const api = new LocalApi({ handlers, streamTimeoutMs: 900_000 });
  const url = await api.listen(0);
  const silence = muteHandlerLog();
  try {
    return await fn(url, fake, sent);
  } finally {
    silence();
    await api.close();
    await fake.stop();
  }
}

/** A frame with a chunk of text or reasoning text (what the client sees as one delta or reasoning event). */
function isChunkFrame(frame: FakeFrame): boolean {
  if (!('event' in frame) || frame.event !== 'contentBlockDelta') {
    return false;
  }
  const delta = (frame.payload as { delta: { text?: string; reasoningContent?: { text?: string } } }).delta;
  return delta.text !== undefined || delta.reasoningContent?.text !== undefined;
}

/** The handler's per-request JSON log line would flood the output. */
function muteHandlerLog(): () => void {
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: any, ...rest: any[]) =>
    String(chunk).startsWith('{"level"') ? true : write(chunk, ...rest)) as typeof process.stdout.write;
  return () => {
    process.stdout.write = write;
  };
}

async function latencyFigures(): Promise<void> {
  process.stdout.write('Added latency (fake model -> SDK -> handler -> local API Gateway front -> client)\n');
  await withLocalApi(async (url, fake, sent) => {
    const tokens = (n: number) => Array.from({ length: n }, (_, i) => `t${i} `);
    // Time to first byte: the client's first delta vs the model sending it.
    const runs = QUICK ? 5 : 40;
    fake.setScript(() => answer(tokens(5), { firstDelayMs: 20, delayMs: 5 }));
    await post(`${url}/stream`, { prompt: 'warm up' });
    const firstAdded: number[] = [];
    for (let i = 0; i < runs; i++) {
      sent.clear();
      const result = await post(`${url}/stream`, { prompt: `ttfb ${i}` });
      const [modelTimes] = [...sent.values()];
      firstAdded.push(result.deltas[0] - modelTimes[0]);
    }
    const ttfb = median(firstAdded);
    record({
      name: 'added time to first delta (median)',
      value: ms(ttfb),
      baseline: "fake model's send time",
      target: '<= 10 ms',
      met: ttfb <= 10,
    });

    // Per-delta added latency over a long answer.
    const count = QUICK ? 300 : 2000;
    fake.setScript(() => answer(tokens(count), { delayMs: 1 }));
    sent.clear();
    const long = await post(`${url}/stream`, { prompt: 'long' });
    const [modelTimes] = [...sent.values()];
    const added = long.deltas.map((at, i) => at - modelTimes[i]);
    const p50 = percentile(added, 50);
    const p99 = percentile(added, 99);
    record({
      name: `added latency per delta p50 (${count} deltas)`,
      value: ms(p50),
      baseline: "fake model's send time",
      target: '<= 1 ms',
      met: p50 <= 1,
    });
    record({
      name: `added latency per delta p99 (${count} deltas)`,
      value: ms(p99),
      baseline: "fake model's send time",
      target: '<= 5 ms',
      met: p99 <= 5,
    });

    // The same with the model reasoning first and ending with a tool call: reasoning events cost what text costs.
    fake.setScript(() => ({ frames: [...mixedAnswer(count, { delayMs: 1 })] }));
    sent.clear();
    const mixed = await post(`${url}/stream`, { prompt: 'reason and call a tool' });
    const [mixedTimes] = [...sent.values()];
    const mixedAdded = mixed.deltas.map((at, i) => at - mixedTimes[i]);
    for (const [p, textOnly] of [
      [50, p50],
      [99, p99],
    ] as const) {
      const value = percentile(mixedAdded, p);
      record({
        name: `added latency per delta p${p}, half reasoning then text then a tool call (${count} deltas)`,
        value: ms(value),
        baseline: `text only ${ms(textOnly)}`,
        ratio: `${(value / textOnly).toFixed(2)}x`,
        target: p === 50 ? '<= 1 ms' : '<= 5 ms',
        met: value <= (p === 50 ? 1 : 5),
      });
    }

    // Streaming vs buffered time to first byte for a long answer at a realistic rate.
    const answerTokens = QUICK ? 50 : 1000;
    fake.setScript(() => answer(tokens(answerTokens), { firstDelayMs: 200, delayMs: 20 }));
    const repeats = QUICK ? 1 : 3;
    const streamed: number[] = [];
    const buffered: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const s = await post(`${url}/stream`, { prompt: 'stream it' });
      streamed.push(s.deltas[0] - s.started);
      const b = await post(`${url}/buffered`, { prompt: 'buffer it' }, 'application/json');
      buffered.push(b.firstByte - b.started);
    }
    const ratio = median(streamed) / median(buffered);
    record({
      name: `streaming time to first delta, ${answerTokens} tokens at 50 tokens/s`,
      value: ms(median(streamed)),
      baseline: `buffered ${ms(median(buffered))}`,
      ratio: `${(ratio * 100).toFixed(2)}%`,
      target: '<= 2%',
      met: ratio <= 0.02,
    });
  });
}

/**
 * The added latency per delta of each client protocol's encoder, beside the native SSE format in the same run: the
 * same answer through POST /stream, /v1/chat/completions (stream: true), /chat and /v1/messages (stream: true),
 * interleaved, repeated.
 */
async function protocolFigures(): Promise<void> {
  process.stdout.write('Client protocols (the same answer through each endpoint of the same local API)\n');
  await withLocalApi(async (url, fake, sent) => {
    const count = QUICK ? 300 : 2000;
    fake.setScript(() =>
      answer(
        Array.from({ length: count }, (_, i) => `t${i} `),
        { delayMs: 1 },
      ),
    );
    const model = 'us.anthropic.claude-haiku-4-5-20251001-v1:0';
    const routes = [
      { name: 'native SSE', path: '/stream', body: { prompt: 'native' }, chunk: CHUNK_EVENT },
      {
        name: 'OpenAI chat.completion.chunk',
        path: '/v1/chat/completions',
        body: { model, stream: true, messages: [{ role: 'user', content: 'openai' }] },
        chunk: OPENAI_TEXT_CHUNK,
      },
      {
        name: 'AI SDK UI message stream',
        path: '/chat',
        body: {
          id: 'c1',
          trigger: 'submit-message',
          messages: [{ id: 'm1', role: 'user', parts: [{ type: 'text', text: 'ai' }] }],
        },
        chunk: AI_SDK_TEXT_CHUNK,
      },
      {
        name: 'Anthropic Messages SSE',
        path: '/v1/messages',
        body: { model, max_tokens: 4096, stream: true, messages: [{ role: 'user', content: 'anthropic' }] },
        chunk: ANTHROPIC_TEXT_CHUNK,
      },
      {
        name: 'OpenAI Responses events',
        path: '/v1/responses',
        body: { model, stream: true, store: false, input: 'responses' },
        chunk: RESPONSES_TEXT_CHUNK,
      },
    ];
    const p50s = new Map<string, number[]>(routes.map((r) => [r.name, []]));
    for (let run = 0; run < (QUICK ? 1 : 5); run++) {
      for (const route of routes) {
        sent.clear();
        const result = await post(`${url}${route.path}`, route.body, 'text/event-stream', undefined, route.chunk);
        const [modelTimes] = [...sent.values()];
        if (result.status !== 200 || result.deltas.length !== count) {
          throw new Error(`${route.path}: HTTP ${result.status}, ${result.deltas.length} of ${count} deltas`);
        }
        p50s.get(route.name)!.push(
          percentile(
            result.deltas.map((at, i) => at - modelTimes[i]),
            50,
          ),
        );
      }
    }
    const native = median(p50s.get('native SSE')!);
    for (const route of routes.slice(1)) {
      const value = median(p50s.get(route.name)!);
      record({
        name: `added latency per delta p50, ${route.name} (${count} deltas, median of ${p50s.get(route.name)!.length} runs)`,
        value: ms(value),
        baseline: `native SSE ${ms(native)}`,
        ratio: `${(value / native).toFixed(2)}x`,
        target: '<= 1.10x',
        met: value / native <= 1.1,
      });
    }
  });
}

/**
 * What token budgets add before the first delta: the same request with budgets off and on, interleaved, against the
 * local DynamoDB-compatible store; beside it, the ledger's own round trips (GetItem of the limits + one conditional
 * UpdateItem) sent straight from the SDK, which is what the handler waits for before calling Bedrock.
 */
async function budgetFigures(): Promise<void> {
  process.stdout.write('Token budgets (time to first delta, budgets off vs on, local DynamoDB-compatible store)\n');
  const store = await BudgetStore.start();
  const tokensOnly = {
    [HandlerEnvironment.BUDGET_TABLE]: store.tableName,
    [HandlerEnvironment.BUDGET_TOKENS_PER_DAY]: String(Number.MAX_SAFE_INTEGER),
    AWS_ENDPOINT_URL_DYNAMODB: store.url,
  };
  // Every limit at once: a minute item beside the day item, and USD counted on both.
  const everyLimit = {
    ...tokensOnly,
    [HandlerEnvironment.BUDGET_REQUESTS_PER_MINUTE]: '1000000000',
    [HandlerEnvironment.BUDGET_SPEND_PER_DAY]: '1000000',
    [HandlerEnvironment.PRICING]: JSON.stringify({ [BENCH_MODEL_ID]: [1, 5, 0.1, 1.25] }),
  };
  const modes = { off: {}, tokens: tokensOnly, every: everyLimit } as const;
  const clear = () => Object.keys(everyLimit).forEach((name) => delete process.env[name]);
  try {
    await withLocalApi(async (url, fake) => {
      fake.setScript(() => answer(['a ', 'b ', 'c '], { firstDelayMs: 5 }));
      const firstDelta = async (mode: keyof typeof modes) => {
        clear();
        Object.assign(process.env, modes[mode]);
        const result = await post(`${url}/stream`, { prompt: 'hi', maxTokens: 100 });
        return result.deltas[0] - result.started;
      };
      // Two interleaved runs, each against budgets off: alternating the two budgeted configurations request by
      // request would make each execution environment's cached ledger client (one per configuration, as deployed)
      // reconnect every time.
      const interleaved = async (mode: 'tokens' | 'every') => {
        const times = { off: [] as number[], on: [] as number[] };
        await firstDelta(mode);
        await firstDelta('off');
        for (let i = 0; i < (QUICK ? 5 : 200); i++) {
          times.off.push(await firstDelta('off'));
          times.on.push(await firstDelta(mode));
        }
        return times;
      };
      const { off, on } = await interleaved('tokens');
      const every = await interleaved('every');
      const roundTrips = await ledgerRoundTrips(store, QUICK ? 5 : 200);
      for (const p of [50, 99]) {
        const added = percentile(on, p) - percentile(off, p);
        record({
          name: `time to first delta p${p}, budgets on`,
          value: ms(percentile(on, p)),
          baseline: `budgets off ${ms(percentile(off, p))}`,
          ratio: `${(percentile(on, p) / percentile(off, p)).toFixed(2)}x`,
          target: 'added <= 2 x the ledger round trips',
          met: added <= 2 * percentile(roundTrips, p),
        });
        record({
          name: `time to first delta p${p}, every limit (requests per minute, tokens and USD per day)`,
          value: ms(percentile(every.on, p)),
          baseline: `budgets off ${ms(percentile(every.off, p))}`,
          ratio: `${(percentile(every.on, p) / percentile(every.off, p)).toFixed(2)}x`,
          target: 'for reference: the minute item is written at the same time as the day item',
        });
        record({
          name: `ledger round trips p${p} (GetItem + conditional UpdateItem from the SDK)`,
          value: ms(percentile(roundTrips, p)),
          baseline: `added by budgets ${ms(added)}`,
          target: 'for reference',
        });
      }
    });
  } finally {
    clear();
    await store.stop();
  }
}

/**
 * What managed keys add before the first delta: the same request with keys off, on with the lookup cached (the
 * default 30 s TTL, warm), and on with every request looked up (cacheTtl 0: what a cold cache costs), interleaved,
 * against the local DynamoDB-compatible store.
 */
async function keyFigures(): Promise<void> {
  process.stdout.write('Managed keys (time to first delta, keys off vs on, local DynamoDB-compatible store)\n');
  const store = await BudgetStore.start();
  await createKeyTable(store.client, 'bench-keys');
  // One key per mode: a lookup with cacheTtl 0 drops the key's cached entry, which would make the warm one cold too.
  const secrets = {
    warm: (await createKey(store.client, { keyTable: 'bench-keys' }, { name: 'warm' })).secret,
    cold: (await createKey(store.client, { keyTable: 'bench-keys' }, { name: 'cold' })).secret,
  };
  try {
    await withLocalApi(async (url, fake) => {
      fake.setScript(() => answer(['a ', 'b ', 'c '], { firstDelayMs: 5 }));
      const firstDelta = async (mode: 'off' | 'warm' | 'cold') => {
        if (mode === 'off') {
          delete process.env[HandlerEnvironment.KEY_TABLE];
        } else {
          Object.assign(process.env, {
            [HandlerEnvironment.KEY_TABLE]: 'bench-keys',
            [HandlerEnvironment.KEY_CACHE_TTL_MS]: mode === 'warm' ? '30000' : '0',
            AWS_ENDPOINT_URL_DYNAMODB: store.url,
          });
        }
        const result = await post(`${url}/stream`, { prompt: 'hi', maxTokens: 100 }, undefined, undefined, undefined, {
          'x-api-key': mode === 'off' ? '' : secrets[mode],
        });
        return result.deltas[0] - result.started;
      };
      for (const mode of ['off', 'warm', 'cold'] as const) await firstDelta(mode);
      const times = { off: [] as number[], warm: [] as number[], cold: [] as number[] };
      for (let i = 0; i < (QUICK ? 5 : 200); i++) {
        for (const mode of ['off', 'warm', 'cold'] as const) times[mode].push(await firstDelta(mode));
      }
      for (const p of [50, 99]) {
        for (const mode of ['warm', 'cold'] as const) {
          record({
            name: `time to first delta p${p}, managed keys on, cache ${mode}`,
            value: ms(percentile(times[mode], p)),
            baseline: `keys off ${ms(percentile(times.off, p))}`,
            ratio: `${(percentile(times[mode], p) / percentile(times.off, p)).toFixed(2)}x`,
            target: 'report',
          });
        }
      }
    });
  } finally {
    delete process.env[HandlerEnvironment.KEY_TABLE];
    delete process.env[HandlerEnvironment.KEY_CACHE_TTL_MS];
    await store.stop();
  }
}

/**
 * What a fallback adds before the first delta when the first model cannot answer, against an answer of the first
 * model, interleaved. The fake refuses at once, so the figure is the handler's own cost plus the SDK's: throttled
 * (429 ThrottlingException: the SDK's 3 attempts with its backoff, then the fallback) and over a service quota (a 400
 * the SDK does not retry: one failed call, then the fallback: the handler's own cost).
 */
async function fallbackFigures(): Promise<void> {
  process.stdout.write('Fallback models (time to first delta, the first model refusing at once vs answering)\n');
  const fallback = 'amazon.nova-lite-v1:0';
  await withLocalApi(async (url, fake) => {
    process.env[HandlerEnvironment.FALLBACK_MODEL_IDS] = JSON.stringify([fallback]);
    let mode: 'answers' | 'throttled' | 'quota' = 'answers';
    fake.setScript((request) => {
      if (request.modelId === BENCH_MODEL_ID && mode === 'throttled') return httpError(429, 'ThrottlingException');
      if (request.modelId === BENCH_MODEL_ID && mode === 'quota') {
        return httpError(400, 'ServiceQuotaExceededException');
      }
      return answer(['a ', 'b ', 'c '], { firstDelayMs: 5 });
    });
    const firstDelta = async (next: typeof mode) => {
      mode = next;
      const result = await post(`${url}/stream`, { prompt: 'hi', maxTokens: 100 });
      if (result.status !== 200) {
        throw new Error(`fallback bench: status ${result.status} when the first model ${next}`);
      }
      return result.deltas[0] - result.started;
    };
    const modes = ['answers', 'throttled', 'quota'] as const;
    for (const m of modes) await firstDelta(m);
    const times = { answers: [] as number[], throttled: [] as number[], quota: [] as number[] };
    for (let i = 0; i < (QUICK ? 3 : 30); i++) {
      for (const m of modes) times[m].push(await firstDelta(m));
    }
    const base = median(times.answers);
    const label = { throttled: 'throttled (SDK retries with backoff)', quota: 'over quota (no SDK retry)' };
    for (const m of ['throttled', 'quota'] as const) {
      record({
        name: `time to first delta p50, first model ${label[m]}, fallback answers`,
        value: ms(median(times[m])),
        baseline: `first model answers ${ms(base)}`,
        ratio: `${(median(times[m]) / base).toFixed(2)}x`,
        target: 'report',
      });
    }
  });
  delete process.env[HandlerEnvironment.FALLBACK_MODEL_IDS];
}

/** The ledger's reservation as the handler sends it, timed from the SDK: read the limits, add within the limit. */
/**
 * What the AgentCore handler adds before the agent's first byte: the same SSE agent asked directly (HTTP, its
 * container contract), through the real SDK and the AgentCore stand-in, and through the handler bundle (in process)
 * with that SDK and stand-in, interleaved. The handler's own cost is the last against the middle one; the stand-in's
 * hop is in both.
 */
async function agentCoreFigures(): Promise<void> {
  process.stdout.write('AgentCore handler (time to the first byte of an SSE agent: direct, SDK + stand-in, handler)\n');
  const agentServer = http.createServer((req, res) => {
    if (req.url === '/ping') {
      res.end('{"status":"Healthy"}');
      return;
    }
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end('data: {"text":"hi"}\n\n');
    });
  });
  await new Promise<void>((resolve) => agentServer.listen(0, '127.0.0.1', resolve));
  const agentUrl = `http://127.0.0.1:${(agentServer.address() as { port: number }).port}`;
  const agentCore = await new FakeAgentCore({ agentUrl }).start();
  const arn = 'arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/bench-agent';
  const env = {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIAFAKE',
    AWS_SECRET_ACCESS_KEY: 'fake',
    AWS_ENDPOINT_URL_BEDROCK_AGENTCORE: agentCore.url,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...agentCoreEnvironment({ agentRuntimeArn: arn }),
  };
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  Object.assign(process.env, env);
  const write = process.stdout.write;
  // The handler's log lines would drown the figures.
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: any[]) =>
    String(chunk).includes('"message":"request completed"')
      ? true
      : write.call(process.stdout, chunk, ...rest)) as typeof process.stdout.write;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the shipped artifact, loaded by path
  const mod = require(AGENT_CORE_BUNDLE) as {
    handler: (event: unknown, stream: Writable, context: unknown) => Promise<void>;
  };
  const client = new BedrockAgentCoreClient({ maxAttempts: 1 });
  const session = 'bench-session-0123456789-0123456789';
  const direct = async () => {
    const started = now();
    const response = await fetch(`${agentUrl}/invocations`, { method: 'POST', body: '{}' });
    const reader = response.body!.getReader();
    await reader.read();
    const at = now() - started;
    await reader.cancel();
    return at;
  };
  const sdk = async () => {
    const started = now();
    const command = new InvokeAgentRuntimeCommand({
      agentRuntimeArn: arn,
      runtimeSessionId: session,
      payload: Buffer.from('{}'),
    });
    const output = await client.send(command);
    for await (const _chunk of output.response as AsyncIterable<Uint8Array>) {
      const at = now() - started;
      (output.response as unknown as { destroy(): void }).destroy();
      return at;
    }
    return now() - started;
  };
  const handler = async () => {
    const started = now();
    let firstByte: number | undefined;
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        // The first write is the prelude (status and headers); the agent's bytes follow it.
        if (firstByte === undefined && chunk.includes('data:')) firstByte = now() - started;
        callback();
      },
    });
    const event = {
      body: '{}',
      headers: { 'Content-Type': 'application/json' },
      httpMethod: 'POST',
      isBase64Encoded: false,
      path: '/invocations',
      resource: '/invocations',
      requestContext: { requestId: 'bench', identity: { sourceIp: '203.0.113.1' } },
    };
    await mod.handler(event, stream, { awsRequestId: 'bench', getRemainingTimeInMillis: () => 60_000 });
    return firstByte ?? now() - started;
  };
  try {
    // Warm: connections open, the bundle's modules loaded.
    for (let i = 0; i < 5; i++) for (const ask of [direct, sdk, handler]) await ask();
    const times = { direct: [] as number[], sdk: [] as number[], handler: [] as number[] };
    for (let i = 0; i < (QUICK ? 5 : 300); i++) {
      times.direct.push(await direct());
      times.sdk.push(await sdk());
      times.handler.push(await handler());
    }
    for (const p of [50, 99]) {
      record({
        name: `AgentCore time to first byte p${p}, through the handler`,
        value: ms(percentile(times.handler, p)),
        baseline: `SDK + stand-in ${ms(percentile(times.sdk, p))}, agent direct ${ms(percentile(times.direct, p))}`,
        ratio: `${(percentile(times.handler, p) / percentile(times.sdk, p)).toFixed(2)}x`,
        target: 'report',
      });
    }
  } finally {
    process.stdout.write = write;
    client.destroy();
    Object.assign(process.env, saved);
    for (const [key, value] of Object.entries(saved)) if (value === undefined) delete process.env[key];
    await agentCore.stop();
    agentServer.closeAllConnections();
    await new Promise((resolve) => agentServer.close(resolve));
  }
}

async function ledgerRoundTrips(store: BudgetStore, runs: number): Promise<number[]> {
  const times: number[] = [];
  const Key = { pk: { S: 'ip#bench' }, sk: { S: 'day#bench' } };
  for (let i = 0; i < runs; i++) {
    const started = now();
    await store.client.send(new GetItemCommand({ TableName: store.tableName, Key: { ...Key, sk: { S: 'limits' } } }));
    await store.client.send(
      new UpdateItemCommand({
        TableName: store.tableName,
        Key,
        UpdateExpression: 'ADD #used :tokens',
        ConditionExpression: 'attribute_not_exists(#used) OR #used <= :most',
        ExpressionAttributeNames: { '#used': 'usedTokens' },
        ExpressionAttributeValues: { ':tokens': { N: '1' }, ':most': { N: String(Number.MAX_SAFE_INTEGER) } },
      }),
    );
    times.push(now() - started);
  }
  return times;
}

async function withFakeProcess<T>(deltas: number, kind: AnswerKind, fn: (endpoint: string) => Promise<T>): Promise<T> {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'fake-server.ts'), String(deltas), kind],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const endpoint = await new Promise<string>((resolve) =>
    child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())),
  );
  try {
    return await fn(endpoint);
  } finally {
    child.kill();
  }
}

class Discard extends Writable {
  override _write(_chunk: unknown, _encoding: string, callback: () => void) {
    callback();
  }
}

function invokeHandler(handlers: HandlerModule, prompt: string) {
  const event = {
    body: JSON.stringify({ prompt }),
    headers: { 'Content-Type': 'application/json' },
    requestContext: { requestId: 'bench' },
    isBase64Encoded: false,
  } as any;
  return handlers.handler(event, new Discard(), { awsRequestId: 'bench', getRemainingTimeInMillis: () => 900_000 });
}

/** Text only, or half reasoning, half text and a tool call. */
type AnswerKind = 'text' | 'mixed';
const ANSWER_KINDS: Record<AnswerKind, string> = { text: '', mixed: ', half reasoning, then text and a tool call' };

async function handlerCostFigures(): Promise<void> {
  process.stdout.write('Handler CPU and memory (fake model in another process)\n');
  for (const kind of Object.keys(ANSWER_KINDS) as AnswerKind[]) {
    await handlerCpuFigure(kind);
    await handlerMemoryFigures(kind);
  }
}

async function handlerCpuFigure(kind: AnswerKind): Promise<void> {
  const deltas = QUICK ? 5_000 : 20_000;
  await withFakeProcess(deltas, kind, async (endpoint) => {
    Object.assign(process.env, handlerEnv(endpoint));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const handlers: HandlerModule = require(BUNDLE);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { BedrockRuntimeClient, ConverseStreamCommand } = require('@aws-sdk/client-bedrock-runtime');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { NodeHttpHandler } = require('@smithy/node-http-handler');
    // The same transport as the handler (kept-alive HTTP/1.1), so that only the handler's own work differs.
    const client = new BedrockRuntimeClient({
      requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: true }) }),
    });
    const emptyLoop = async () => {
      const response = await client.send(
        new ConverseStreamCommand({ modelId: 'm', messages: [{ role: 'user', content: [{ text: 'x' }] }] }),
      );
      for await (const event of response.stream) void event;
    };
    const silence = muteHandlerLog();
    const cpu = async (fn: () => Promise<unknown>) => {
      const start = process.cpuUsage();
      await fn();
      const used = process.cpuUsage(start);
      return (used.user + used.system) / 1000;
    };
    try {
      await invokeHandler(handlers, 'warm');
      await emptyLoop();
      const handlerCpu: number[] = [];
      const baselineCpu: number[] = [];
      for (let i = 0; i < (QUICK ? 2 : 5); i++) {
        handlerCpu.push(await cpu(() => invokeHandler(handlers, 'cpu')));
        baselineCpu.push(await cpu(emptyLoop));
      }
      const per1000 = ((median(handlerCpu) - median(baselineCpu)) / deltas) * 1000;
      // The run-to-run spread of the two loops: a difference smaller than it is noise, not a figure.
      const spread = (v: number[]) => Math.max(...v) - Math.min(...v);
      const noise = ((spread(handlerCpu) + spread(baselineCpu)) / 2 / deltas) * 1000;
      record({
        name: `handler CPU per 1,000 deltas${ANSWER_KINDS[kind]} (above the SDK reading the stream)`,
        value: per1000 <= noise ? `below the noise floor (±${ms(noise)})` : `${ms(per1000)} (noise ±${ms(noise)})`,
        baseline: `empty SDK loop ${ms((median(baselineCpu) / deltas) * 1000)} per 1,000`,
        target: '< 50 ms',
        met: per1000 < 50,
      });
    } finally {
      silence();
    }
  });
}

async function handlerMemoryFigures(kind: AnswerKind): Promise<void> {
  const memoryDeltas = QUICK ? 10_000 : 50_000;
  await withFakeProcess(memoryDeltas, kind, async (endpoint) => {
    Object.assign(process.env, handlerEnv(endpoint));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const handlers: HandlerModule = require(BUNDLE);
    const silence = muteHandlerLog();
    try {
      await invokeHandler(handlers, 'warm');
      (globalThis as { gc?: () => void }).gc?.();
      const idle = process.memoryUsage().rss;
      const idleHeap = process.memoryUsage().heapUsed;
      let peak = idle;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
      await invokeHandler(handlers, 'memory');
      clearInterval(sampler);
      peak = Math.max(peak, process.memoryUsage().rss);
      const growthMb = (peak - idle) / 1024 / 1024;
      (globalThis as { gc?: () => void }).gc?.();
      const retainedMb = (process.memoryUsage().heapUsed - idleHeap) / 1024 / 1024;
      record({
        name: `handler RSS growth over a ${memoryDeltas}-delta answer${ANSWER_KINDS[kind]}`,
        value: `${growthMb.toFixed(1)} MB`,
        baseline: `idle after load ${(idle / 1024 / 1024).toFixed(0)} MB`,
        target: '<= 10 MB',
        met: growthMb <= 10,
      });
      record({
        name: `heap retained after that answer${ANSWER_KINDS[kind]} (after GC)`,
        value: retainedMb <= 0 ? 'none (the heap is smaller than before)' : `${retainedMb.toFixed(2)} MB`,
        baseline: 'idle heap after load',
        target: '~0 (nothing of the answer kept)',
        met: retainedMb < 1,
      });
    } finally {
      silence();
    }
  });
}

function bundleFigures(): void {
  process.stdout.write('Bundle size and cold module load (fresh node process)\n');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-bundle-'));
  const esbuild = path.join(ROOT, 'node_modules', '.bin', 'esbuild');
  const baseline = path.join(tmp, 'baseline.js');
  const runtimeSdk = path.join(tmp, 'runtime-sdk.js');
  // The same esbuild options as the shipped bundle (.projenrc.ts), so that only the contents differ.
  const options = [
    '--bundle',
    '--platform=node',
    '--target=node20',
    '--main-fields=module,main',
    '--minify',
    '--keep-names',
    '--supported:dynamic-import=false',
    '--log-level=error',
  ];
  execFileSync(esbuild, [...options, path.join(__dirname, 'baseline-handler.ts'), `--outfile=${baseline}`]);
  // The alternative design: the SDK taken from the Lambda runtime instead of bundled (node_modules stands in for it).
  execFileSync(esbuild, [
    ...options,
    path.join(ROOT, 'src', 'handler', 'index.lambda.ts'),
    '--external:@aws-sdk/*',
    '--external:@smithy/*',
    `--outfile=${runtimeSdk}`,
  ]);
  // CPU time of the require (parse, compile, module code), in rounds that take each file in turn: on a shared
  // machine, wall time and back-to-back runs of one file drift by more than the few percent this figure is about.
  const loadOnce = (file: string) => {
    const out = spawnSync(
      process.execPath,
      [
        '-e',
        `const c=process.cpuUsage();require(${JSON.stringify(file)});const d=process.cpuUsage(c);console.log((d.user+d.system)/1e3)`,
      ],
      {
        env: {
          ...process.env,
          NODE_PATH: path.join(ROOT, 'node_modules'),
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        },
        encoding: 'utf8',
      },
    );
    return Number(out.stdout.trim());
  };
  // The AgentCore handler against its own SDK-only baseline: a handler that only sends InvokeAgentRuntime.
  const agentCoreBaseline = path.join(tmp, 'agent-core-baseline.js');
  execFileSync(
    esbuild,
    [...options, '--loader=ts', '--sourcefile=agent-core-baseline.ts', `--outfile=${agentCoreBaseline}`],
    {
      cwd: ROOT,
      input:
        "import { BedrockAgentCoreClient, InvokeAgentRuntimeCommand } from '@aws-sdk/client-bedrock-agentcore';\n" +
        'const client = new BedrockAgentCoreClient({});\n' +
        'export const handler = (input: any) => client.send(new InvokeAgentRuntimeCommand(input));\n',
    },
  );
  const files = [BUNDLE, baseline, runtimeSdk, AGENT_CORE_BUNDLE, agentCoreBaseline];
  const samples = new Map<string, number[]>(files.map((file) => [file, []]));
  // 41 rounds: with 21, the ratio of two medians moved by several percent from run to run on a shared machine.
  for (let i = 0; i < (QUICK ? 3 : 41); i++) {
    files.forEach((file) => samples.get(file)!.push(loadOnce(file)));
  }
  const loadMs = (file: string) => median(samples.get(file)!);
  const kb = (file: string) => `${(fs.statSync(file).size / 1024).toFixed(0)} KB`;
  const shipped = loadMs(BUNDLE);
  const base = loadMs(baseline);
  const external = loadMs(runtimeSdk);
  record({
    name: 'handler bundle size',
    value: kb(BUNDLE),
    baseline: `SDK-only bundle ${kb(baseline)}`,
    target: 'report',
  });
  record({
    name: 'cold module load of the handler bundle (CPU time)',
    value: ms(shipped),
    baseline: `SDK-only bundle ${ms(base)}`,
    ratio: `${(shipped / base).toFixed(2)}x`,
    // Issue 20's target (budgets off: the ledger's DynamoDB client is only required by a budgeted request).
    target: '<= 1.02x',
    met: shipped / base <= 1.02,
  });
  record({
    name: 'alternative: SDK from the runtime (not bundled)',
    value: `${kb(runtimeSdk)}, load ${ms(external)}`,
    baseline: `bundled ${ms(shipped)}`,
    ratio: `${(external / shipped).toFixed(2)}x`,
    target: 'report',
  });
  record({
    name: 'AgentCore handler bundle size',
    value: kb(AGENT_CORE_BUNDLE),
    baseline: `SDK-only bundle ${kb(agentCoreBaseline)}`,
    target: 'report',
  });
  record({
    name: 'cold module load of the AgentCore handler bundle (CPU time)',
    value: ms(loadMs(AGENT_CORE_BUNDLE)),
    baseline: `SDK-only bundle ${ms(loadMs(agentCoreBaseline))}`,
    ratio: `${(loadMs(AGENT_CORE_BUNDLE) / loadMs(agentCoreBaseline)).toFixed(2)}x`,
    target: 'report',
  });
  fs.rmSync(tmp, { recursive: true, force: true });
}

function synthFigures(): void {
  process.stdout.write('Consumer cdk synth (CDK CLI; docker and esbuild on PATH record any call)\n');
  const shims = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-shims-'));
  const calls = path.join(shims, 'calls.log');
  for (const tool of ['docker', 'esbuild']) {
    fs.writeFileSync(path.join(shims, tool), `#!/bin/sh\necho ${tool} >> ${calls}\nexit 1\n`, { mode: 0o755 });
  }
  const link = path.join(ROOT, 'node_modules', 'cdk-streaming-bedrock-api');
  if (!fs.existsSync(link)) fs.symlinkSync('..', link, 'dir');
  const synth = (dir: string) => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-synth-'));
    const started = now();
    const result = spawnSync(
      path.join(ROOT, 'node_modules', '.bin', 'cdk'),
      ['synth', '--quiet', '--no-notices', '--no-version-reporting', '-o', out],
      {
        cwd: dir,
        env: { ...process.env, PATH: `${shims}:${process.env.PATH}`, AWS_EC2_METADATA_DISABLED: 'true' },
        encoding: 'utf8',
      },
    );
    const elapsed = now() - started;
    fs.rmSync(out, { recursive: true, force: true });
    if (result.status !== 0) throw new Error(`cdk synth failed in ${dir}: ${result.stderr}`);
    return elapsed;
  };
  const basic: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < (QUICK ? 1 : 5); i++) {
    basic.push(synth(path.join(ROOT, 'examples', 'basic')));
    bare.push(synth(path.join(__dirname, 'bare-app')));
  }
  const ratio = median(basic) / median(bare);
  const external = fs.existsSync(calls) ? fs.readFileSync(calls, 'utf8').trim().split('\n') : [];
  record({
    name: 'cdk synth of examples/basic',
    value: ms(median(basic)),
    baseline: `bare RestApi + Function ${ms(median(bare))}`,
    ratio: `${ratio.toFixed(2)}x`,
    target: '<= 1.3x',
    met: ratio <= 1.3,
  });
  record({
    name: 'docker or esbuild calls at synth',
    value: String(external.length),
    baseline: '0',
    target: '0',
    met: external.length === 0,
    check: true,
  });
  fs.rmSync(shims, { recursive: true, force: true });
}

async function runnerFigures(): Promise<void> {
  process.stdout.write('Local runner under load (the shipped CLI in its own process)\n');
  // At a realistic model speed, then as fast as the fake model can send (saturating one Node.js process).
  await runnerLoad(QUICK ? 20 : 100, QUICK ? 50 : 500, 50);
  await runnerLoad(QUICK ? 20 : 100, QUICK ? 100 : 500, 500);
}

async function runnerLoad(streams: number, deltas: number, tokensPerSecond: number): Promise<void> {
  const gapMs = 1000 / tokensPerSecond;
  const child = spawn(
    process.execPath,
    [
      CLI,
      'serve',
      '--port',
      '0',
      '--answer-tokens',
      String(deltas),
      '--tokens-per-second',
      String(tokensPerSecond),
      '--first-token-ms',
      '0',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const url = await new Promise<string>((resolve) => {
    let buffered = '';
    child.stdout!.on('data', (d: Buffer) => {
      buffered += d.toString();
      const match = /Listening on (\S+)/.exec(buffered);
      if (match) resolve(match[1]);
    });
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: streams });
  // How late each delta arrives against the model's schedule (first token at once, then one every gapMs).
  const lateness = (r: { started: number; deltas: number[] }) => r.deltas.map((at, i) => at - (r.started + i * gapMs));
  try {
    await post(`${url}/stream`, { prompt: 'warm up' }, 'text/event-stream', agent);
    const single = await post(`${url}/stream`, { prompt: 'one' }, 'text/event-stream', agent);
    const started = now();
    const results = await Promise.all(
      Array.from({ length: streams }, (_, i) =>
        post(`${url}/stream`, { prompt: `load ${i}` }, 'text/event-stream', agent),
      ),
    );
    const wall = now() - started;
    const delivered = results.reduce((sum, r) => sum + r.deltas.length, 0);
    const complete = results.every((r) => r.status === 200 && r.deltas.length === deltas);
    record({
      name: `${streams} concurrent streams x ${deltas} deltas at ${tokensPerSecond} tokens/s each`,
      value: `${complete ? 'all delivered' : 'INCOMPLETE'}, ${Math.round(delivered / (wall / 1000))} deltas/s, p99 lateness ${ms(percentile(results.flatMap(lateness), 99))}`,
      baseline: `one stream: p99 lateness ${ms(percentile(lateness(single), 99))}`,
      target: 'all delivered; report',
      met: complete,
      check: true,
    });
  } finally {
    agent.destroy();
    child.kill('SIGINT');
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  process.stdout.write(
    `Benchmarks${QUICK ? ' (quick)' : ''} on ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}\n`,
  );
  for (const file of [BUNDLE, CLI, AGENT_CORE_BUNDLE]) {
    if (!fs.existsSync(file)) throw new Error(`${file} is missing: run 'npx projen bundle' first`);
  }
  if (section('latency')) await latencyFigures();
  if (section('protocols')) await protocolFigures();
  if (section('budgets')) await budgetFigures();
  if (section('keys')) await keyFigures();
  if (section('fallback')) await fallbackFigures();
  if (section('agent-core')) await agentCoreFigures();
  if (section('handler')) await handlerCostFigures();
  if (section('bundle')) bundleFigures();
  if (section('synth')) synthFigures();
  if (section('runner')) await runnerFigures();
  const outDir = path.join(ROOT, 'bench-results');
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(
    path.join(outDir, 'latest.json'),
    JSON.stringify({ quick: QUICK, date: new Date().toISOString(), figures }, null, 2),
  );
  process.stdout.write(
    `Done in ${((Date.now() - started) / 1000).toFixed(0)} s; figures in bench-results/latest.json\n`,
  );
  if (failedChecks.length > 0) {
    throw new Error(`failed checks: ${failedChecks.join('; ')}`);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${(err as Error).stack}\n`);
    process.exit(1);
  },
);
