import { checkJsonDepth, MAX_JSON_DEPTH } from '../../../src/handler/request/json-depth';

/** `levels` objects nested under `key`, the innermost holding a string. */
function nestedObjects(levels: number, key = 'a'): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < levels; i++) {
    value = { [key]: value };
  }
  return value;
}

function nestedArrays(levels: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < levels; i++) {
    value = [value];
  }
  return value;
}

function refusal(value: unknown, param?: string) {
  try {
    checkJsonDepth(value, param);
  } catch (err) {
    return err as { status: number; code: string; param: string | null; message: string };
  }
  throw new Error('accepted');
}

describe('checkJsonDepth', () => {
  test(`accepts a body nested exactly ${MAX_JSON_DEPTH} levels deep`, () => {
    expect(() => checkJsonDepth(nestedObjects(MAX_JSON_DEPTH))).not.toThrow();
    expect(() => checkJsonDepth(nestedArrays(MAX_JSON_DEPTH))).not.toThrow();
  });

  test('refuses one level more with 400 nesting_too_deep', () => {
    expect(refusal(nestedObjects(MAX_JSON_DEPTH + 1))).toMatchObject({ status: 400, code: 'nesting_too_deep' });
    expect(refusal(nestedArrays(MAX_JSON_DEPTH + 1)).message).toMatch(/at most 64 levels/);
  });

  test('walks 100,000 levels without overflowing the stack', () => {
    expect(refusal(nestedArrays(100_000)).code).toBe('nesting_too_deep');
  });

  test("names the API's fields down to a caller's own JSON, never the caller's keys", () => {
    const body = {
      messages: [
        { role: 'user', content: 'hi' },
        {
          role: 'assistant',
          content: [{ toolUse: { toolUseId: 't', name: 'n', input: nestedObjects(2500, 'SECRET') } }],
        },
      ],
    };
    const error = refusal(body);
    expect(error.param).toBe('messages[1].content[0].toolUse.input');
    expect(error.message).toMatch(/^messages\[1\]\.content\[0\]\.toolUse\.input nests objects and arrays too deeply/);
    expect(error.message).not.toContain('SECRET');
  });

  test('stops at a nested array index inside a named field', () => {
    expect(refusal({ messages: [{ content: nestedArrays(100) }] }).param).toBe('messages[0].content[0]');
  });

  test("names no field when the deep value is under a key of the caller's", () => {
    const error = refusal({ prompt: 'hi', SECRET: nestedArrays(100) });
    expect(error.param).toBeNull();
    expect(error.message).toMatch(/^The request nests objects and arrays too deeply/);
  });

  test('names a JSON string parsed later by where it sits (OpenAI tool call arguments)', () => {
    const param = 'messages[1].tool_calls[0].function.arguments';
    expect(refusal(nestedObjects(200, 'input'), param).param).toBe(param);
  });

  test('counts containers only: strings and numbers at the last level are fine', () => {
    expect(() => checkJsonDepth(nestedArrays(MAX_JSON_DEPTH - 1), undefined)).not.toThrow();
    expect(() => checkJsonDepth({ a: [1, 'x', null, true] }, undefined, 2)).not.toThrow();
    expect(() => checkJsonDepth({ a: [[]] }, undefined, 2)).toThrow(/at most 2 levels/);
  });
});
