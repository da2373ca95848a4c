/**
 * The runner's fake model makes each frame of an answer only when it is pulled, so that an answer of any length
 * costs the memory of one frame, and its frames are those of `answer()`.
 */
import { answerFrames, type FakeFrame, type FakeRequest } from '../../../src/local/fake-bedrock';
import {
  DEFAULT_FAKE_MODEL,
  FAKE_REASONING,
  FAKE_SIGNATURE,
  FakePromptCache,
  fakeModelScript,
  fakeTokenStream,
  parseFakeScript,
  sampleValue,
} from '../../../src/local/fake-model';

function request(prompt: string, maxTokens?: number, extra: Record<string, unknown> = {}): FakeRequest {
  return {
    modelId: 'm',
    body: { messages: [{ role: 'user', content: [{ text: prompt }] }], inferenceConfig: { maxTokens }, ...extra },
    headers: {},
    httpVersion: '1.1',
    receivedAt: 0,
  };
}

function framesOf(response: ReturnType<ReturnType<typeof fakeModelScript>>): Iterable<FakeFrame> {
  if (!('frames' in response)) {
    throw new Error(`expected a stream, got HTTP ${response.status}`);
  }
  return response.frames;
}

/** Counts how many items a consumer has pulled from `items`. */
function counted<T>(items: Iterable<T>): { items: Iterable<T>; pulled: () => number } {
  let pulled = 0;
  return {
    items: (function* () {
      for (const item of items) {
        pulled++;
        yield item;
      }
    })(),
    pulled: () => pulled,
  };
}

describe('answerFrames', () => {
  test('pulls one chunk per delta it yields, never ahead', () => {
    const chunks = counted(['a', 'b', 'c']);
    const frames = answerFrames(chunks.items)[Symbol.iterator]();
    frames.next(); // messageStart
    frames.next(); // contentBlockStart
    expect(chunks.pulled()).toBe(0);
    expect(frames.next().value).toMatchObject({ event: 'contentBlockDelta', payload: { delta: { text: 'a' } } });
    expect(chunks.pulled()).toBe(1);
  });

  test('ends with the in-stream exception in place of the deltas after failAfter', () => {
    const frames = [
      ...answerFrames(['a', 'b', 'c'], { failAfter: { deltas: 1, exception: 'ModelStreamErrorException' } }),
    ];
    expect(frames.slice(2)).toEqual([
      { delayMs: 0, event: 'contentBlockDelta', payload: { contentBlockIndex: 0, delta: { text: 'a' } } },
      { exception: 'ModelStreamErrorException', message: 'model failure' },
    ]);
  });

  test('ends with the in-stream exception after the last delta when failAfter is past it', () => {
    const frames = [
      ...answerFrames(['a'], { failAfter: { deltas: 5, exception: 'ThrottlingException', message: 'm' } }),
    ];
    expect(frames.map((f) => ('event' in f ? f.event : f.exception))).toEqual([
      'messageStart',
      'contentBlockStart',
      'contentBlockDelta',
      'contentBlockStop',
      'ThrottlingException',
    ]);
  });

  test('reports the deltas it yielded as output tokens', () => {
    const frames = [...answerFrames(['a', 'b', 'c'], { usage: undefined })];
    expect(frames.at(-1)).toMatchObject({
      event: 'metadata',
      payload: { usage: { inputTokens: 10, outputTokens: 3, totalTokens: 13 } },
    });
  });
});

describe('the fake model', () => {
  test('its tokens are the prompt word count, then words with their leading space', () => {
    expect([...fakeTokenStream(3, 2)]).toEqual(['(2 words received) ', 'This', ' answer']);
  });

  test('counts a one-word prompt as one word', () => {
    expect([...fakeTokenStream(1, 1)]).toEqual(['(1 word received) ']);
  });

  test('its default answer (the demo) ends at the end of a sentence', () => {
    const answer = [...fakeTokenStream(DEFAULT_FAKE_MODEL.answerTokens, 4)].join('');
    expect(answer).toMatch(/[a-z]\.$/);
  });

  test('answers with the prompt word count, the tokens and end_turn', () => {
    const script = fakeModelScript({ ...DEFAULT_FAKE_MODEL, answerTokens: 4, firstTokenMs: 0 });
    const frames = [...framesOf(script(request('two words'), 1))];
    const text = frames.flatMap((f) => ('event' in f && f.event === 'contentBlockDelta' ? [f.payload] : []));
    expect(text.map((p) => (p as { delta: { text: string } }).delta.text)).toEqual([...fakeTokenStream(4, 2)]);
    expect(frames.at(-2)).toEqual({ event: 'messageStop', payload: { stopReason: 'end_turn' } });
  });

  test('a million-token answer holds no more than a few MB until it is read', () => {
    const script = fakeModelScript({ ...DEFAULT_FAKE_MODEL, answerTokens: 1_000_000 });
    const before = process.memoryUsage().heapUsed;
    const frames = framesOf(script(request('hello there'), 1))[Symbol.iterator]();
    const firstFrames = [frames.next().value, frames.next().value, frames.next().value];
    const grownMb = (process.memoryUsage().heapUsed - before) / 1024 / 1024;
    // Generated up front, a million frames take hundreds of MB.
    expect(grownMb).toBeLessThan(32);
    expect(firstFrames[2]).toMatchObject({
      event: 'contentBlockDelta',
      payload: { delta: { text: '(2 words received) ' } },
    });
  });
});

describe('the fake model reacts to the request like a model', () => {
  const script = fakeModelScript({ ...DEFAULT_FAKE_MODEL, answerTokens: 5, firstTokenMs: 0 });
  const deltasOf = (req: FakeRequest) =>
    [...framesOf(script(req, 1))].flatMap((f) =>
      'event' in f && f.event === 'contentBlockDelta' ? [(f.payload as { delta: any }).delta] : [],
    );
  const stopOf = (req: FakeRequest) =>
    [...framesOf(script(req, 1))].flatMap((f) => ('event' in f && f.event === 'messageStop' ? [f.payload] : []))[0];
  const WEATHER = {
    toolSpec: {
      name: 'get_weather',
      inputSchema: {
        json: {
          type: 'object',
          properties: {
            city: { type: 'string' },
            unit: { enum: ['celsius', 'fahrenheit'] },
            days: { type: 'integer' },
          },
          required: ['city'],
        },
      },
    },
  };

  test('with Claude thinking on, it reasons first and signs its reasoning, then answers', () => {
    const deltas = deltasOf(request('hi', 2048, { additionalModelRequestFields: { thinking: { type: 'enabled' } } }));
    const reasoning = deltas.filter((d) => d.reasoningContent).map((d) => d.reasoningContent);
    expect(reasoning).toEqual([...FAKE_REASONING.map((text) => ({ text })), { signature: FAKE_SIGNATURE }]);
    expect(deltas.indexOf(deltas.find((d) => d.text)!)).toBe(reasoning.length);
  });

  test("with Nova's reasoningConfig it reasons without a signature; without either it does not reason", () => {
    const nova = deltasOf(
      request('hi', 100, { additionalModelRequestFields: { reasoningConfig: { type: 'enabled' } } }),
    );
    expect(nova.filter((d) => d.reasoningContent?.signature)).toEqual([]);
    expect(nova.filter((d) => d.reasoningContent?.text)).toHaveLength(FAKE_REASONING.length);
    expect(deltasOf(request('hi')).filter((d) => d.reasoningContent)).toEqual([]);
  });

  test('with tools, it calls the first one with input built from its schema, in pieces, and stops for tool_use', () => {
    const req = request('weather?', 100, { toolConfig: { tools: [WEATHER, { cachePoint: { type: 'default' } }] } });
    const input = deltasOf(req)
      .filter((d) => d.toolUse)
      .map((d) => d.toolUse.input);
    expect(input.length).toBeGreaterThan(1);
    expect(JSON.parse(input.join(''))).toEqual({ city: 'example city', unit: 'celsius', days: 1 });
    expect(stopOf(req)).toEqual({ stopReason: 'tool_use' });
  });

  test('with structured output, it answers JSON valid against the schema ($ref, anyOf and enum included)', () => {
    const schema = {
      $defs: { tag: { type: 'string', enum: ['red', 'blue'] } },
      type: 'object',
      properties: {
        title: { type: 'string' },
        rating: { type: 'integer' },
        tags: { type: 'array', items: { $ref: '#/$defs/tag' }, minItems: 2 },
        note: { anyOf: [{ type: 'null' }, { type: 'string' }] },
        done: { type: 'boolean' },
      },
      required: ['title', 'rating', 'tags', 'note', 'done'],
      additionalProperties: false,
    };
    const textFormat = {
      type: 'json_schema',
      structure: { jsonSchema: { name: 'r', schema: JSON.stringify(schema) } },
    };
    const req = request('review it', 10, { outputConfig: { textFormat } });
    const text = deltasOf(req)
      .filter((d) => d.text)
      .map((d) => d.text)
      .join('');
    expect(JSON.parse(text)).toEqual({
      title: 'example title',
      rating: 1,
      tags: ['red', 'red'],
      note: null,
      done: true,
    });
    expect(stopOf(req)).toEqual({ stopReason: 'end_turn' });
  });

  test('a forced tool choice is the tool it calls', () => {
    const other = { toolSpec: { name: 'other', inputSchema: { json: { type: 'object' } } } };
    const req = request('x', 100, {
      toolConfig: { tools: [other, WEATHER], toolChoice: { tool: { name: 'get_weather' } } },
    });
    const frames = [...framesOf(script(req, 1))];
    expect(frames).toContainEqual(
      expect.objectContaining({
        event: 'contentBlockStart',
        payload: expect.objectContaining({ start: { toolUse: expect.objectContaining({ name: 'get_weather' }) } }),
      }),
    );
  });

  test('after a tool result it answers in text that quotes the result, and ends its turn', () => {
    const req = request('unused', 100, { toolConfig: { tools: [WEATHER] } });
    req.body.messages = [
      { role: 'user', content: [{ text: 'Weather in Paris?' }] },
      { role: 'assistant', content: [{ toolUse: { toolUseId: 't1', name: 'get_weather', input: { city: 'Paris' } } }] },
      { role: 'user', content: [{ toolResult: { toolUseId: 't1', content: [{ json: { celsius: 21 } }] } }] },
    ];
    const text = deltasOf(req)
      .filter((d) => d.text)
      .map((d) => d.text)
      .join('');
    expect(text).toMatch(/^The tool returned \{"celsius":21\}\. /);
    expect(stopOf(req)).toEqual({ stopReason: 'end_turn' });
  });

  test('sample values follow the schema: enums, types, nested objects and arrays', () => {
    const schema = {
      type: 'object',
      properties: {
        tags: { type: 'array', items: { type: 'string' } },
        nested: { type: 'object', properties: { ok: { type: 'boolean' }, ratio: { type: 'number' } } },
      },
    };
    expect(sampleValue(schema, 'input', 0)).toEqual({ tags: ['example tags'], nested: { ok: true, ratio: 1.5 } });
  });
});

describe('the fake prompt cache', () => {
  const withSystem = (text: string) => ({ system: [{ text }, { cachePoint: { type: 'default' } }] });

  test('writes a prefix on first sight, reads it after; no cache point, no cache usage', () => {
    const cache = new FakePromptCache(10);
    expect(cache.usage(withSystem('You are terse and kind'))).toEqual({
      cacheReadInputTokens: 0,
      cacheWriteInputTokens: 5,
    });
    expect(cache.usage(withSystem('You are terse and kind'))).toEqual({
      cacheReadInputTokens: 5,
      cacheWriteInputTokens: 0,
    });
    expect(cache.usage({ system: [{ text: 'You are terse and kind' }] })).toEqual({
      cacheReadInputTokens: 0,
      cacheWriteInputTokens: 0,
    });
  });

  test('keeps at most its capacity of prefixes, dropping the oldest', () => {
    const cache = new FakePromptCache(2);
    cache.usage(withSystem('one'));
    cache.usage(withSystem('two'));
    cache.usage(withSystem('three'));
    expect(cache.usage(withSystem('one')).cacheWriteInputTokens).toBe(1);
    expect(cache.usage(withSystem('three')).cacheReadInputTokens).toBe(1);
  });

  test('the runner reports the cache in the usage of its answers', () => {
    const script = fakeModelScript({ ...DEFAULT_FAKE_MODEL, answerTokens: 2, firstTokenMs: 0 });
    const usageOf = () =>
      [...framesOf(script(request('hi', 10, withSystem('Be brief please')), 1))].flatMap((f) =>
        'event' in f && f.event === 'metadata' ? [(f.payload as any).usage] : [],
      )[0];
    expect(usageOf()).toMatchObject({ cacheWriteInputTokens: 3, cacheReadInputTokens: 0 });
    expect(usageOf()).toMatchObject({ cacheWriteInputTokens: 0, cacheReadInputTokens: 3 });
  });
});

test('faults still apply with every feature: a throttle is a 429 before any frame', () => {
  const throttled = fakeModelScript({ ...DEFAULT_FAKE_MODEL, fault: 'throttle' });
  expect(
    throttled(request('hi', 10, { additionalModelRequestFields: { thinking: { type: 'enabled' } } }), 1),
  ).toMatchObject({
    status: 429,
  });
});

describe('a scripted session', () => {
  const script = fakeModelScript({
    ...DEFAULT_FAKE_MODEL,
    firstTokenMs: 0,
    script: [
      { text: 'Let me read it.', toolUses: [{ name: 'Read', input: { file_path: '/tmp/x/notes.txt' } }] },
      { reasoning: 'The file is short.', text: 'The notes say hello.' },
    ],
  });
  const turn = (messages: unknown[]) => [
    ...framesOf(script({ ...request('hi', 100), body: { messages, inferenceConfig: { maxTokens: 100 } } }, 1)),
  ];
  const deltas = (frames: FakeFrame[]) =>
    frames.flatMap((f) => ('event' in f && f.event === 'contentBlockDelta' ? [(f.payload as any).delta] : []));
  const stopReason = (frames: FakeFrame[]) =>
    frames.flatMap((f) => ('event' in f && f.event === 'messageStop' ? [(f.payload as any).stopReason] : []))[0];

  test('answers the first request with turn 0: its text, then its tool call with the input as JSON', () => {
    const frames = turn([{ role: 'user', content: [{ text: 'What do my notes say?' }] }]);
    const sent = deltas(frames);
    expect(sent.flatMap((d) => (d.text ? [d.text] : [])).join('')).toBe('Let me read it.');
    expect(JSON.parse(sent.flatMap((d) => (d.toolUse ? [d.toolUse.input] : [])).join(''))).toEqual({
      file_path: '/tmp/x/notes.txt',
    });
    expect(stopReason(frames)).toBe('tool_use');
  });

  test('answers a conversation with one assistant turn with turn 1, and past the end with the usual answer', () => {
    const afterTool = turn([
      { role: 'user', content: [{ text: 'What do my notes say?' }] },
      { role: 'assistant', content: [{ toolUse: { toolUseId: 't', name: 'Read', input: {} } }] },
      { role: 'user', content: [{ toolResult: { toolUseId: 't', content: [{ text: 'hello' }] } }] },
    ]);
    const sent = deltas(afterTool);
    expect(sent.flatMap((d) => (d.reasoningContent?.text ? [d.reasoningContent.text] : []))).toEqual([
      'The file is short.',
    ]);
    expect(sent.flatMap((d) => (d.text ? [d.text] : [])).join('')).toBe('The notes say hello.');
    expect(stopReason(afterTool)).toBe('end_turn');
    const twoTurns = [
      { role: 'user', content: [{ text: 'a' }] },
      { role: 'assistant', content: [{ text: 'b' }] },
      { role: 'user', content: [{ text: 'c' }] },
      { role: 'assistant', content: [{ text: 'd' }] },
      { role: 'user', content: [{ text: 'e' }] },
    ];
    expect(deltas(turn(twoTurns))[0].text).toMatch(/^\(\d+ words received\) /);
  });

  test('fails to read a script with an unknown field, naming the turn and the field', () => {
    expect(() => parseFakeScript('[{"text": "a"}, {"txt": "b"}]')).toThrow(
      'turn 1 has an unknown field "txt" (known: text, reasoning, toolUses)',
    );
    expect(() => parseFakeScript('[{"toolUses": [{"name": "Read"}]}]')).toThrow(
      'turn 0: toolUses must be a list of {"name": string, "input": object}',
    );
    expect(() => parseFakeScript('{}')).toThrow('a script is a non-empty JSON array of turns');
  });
});
