/**
 * Attachments whose bytes are not of their declared format, in every protocol: refused with our own 400 naming the
 * field, instead of being passed to Bedrock (whose refusal reaches the caller as the model's failure).
 */
import { apiEvent, expectNoLeak, invokeStream, MODEL, useHandlerTestContext } from './harness';
import { answer } from '../support/fake-bedrock';

const ctx = useHandlerTestContext({ SBA_MAX_REQUEST_BYTES: String(64 * 1024) });

const PNG = Buffer.from('\x89PNG\r\n\x1a\nIHDR', 'latin1');
const JPEG = Buffer.from('\xff\xd8\xff\xe0JFIF', 'latin1');
const PDF = Buffer.from('%PDF-1.7\n1 0 obj\n');
const b64 = (bytes: Buffer) => bytes.toString('base64');
const dataUrl = (type: string, bytes: Buffer) => `data:${type};base64,${b64(bytes)}`;

const native = (block: object) => ({ messages: [{ role: 'user', content: [{ text: 'What is this?' }, block] }] });
const openAi = (url: string) => ({
  model: MODEL,
  messages: [
    {
      role: 'user',
      content: [
        { type: 'text', text: 'What is this?' },
        { type: 'image_url', image_url: { url } },
      ],
    },
  ],
});
const aiSdk = (mediaType: string, url: string) => ({
  id: 'c',
  trigger: 'submit-message',
  messages: [
    {
      id: 'u',
      role: 'user',
      parts: [
        { type: 'text', text: 'What is this?' },
        { type: 'file', mediaType, url },
      ],
    },
  ],
});

const cases = [
  {
    name: 'native: an image declared png holding JPEG bytes',
    path: '/stream',
    body: native({ image: { format: 'png', source: { bytes: b64(JPEG) } } }),
    param: 'messages[0].content[1].image.source.bytes',
    format: 'png',
  },
  {
    name: 'native: a pdf document holding PNG bytes',
    path: '/stream',
    body: native({ document: { format: 'pdf', name: 'report', source: { bytes: b64(PNG) } } }),
    param: 'messages[0].content[1].document.source.bytes',
    format: 'pdf',
  },
  {
    name: 'OpenAI: a data:image/png URL of JPEG bytes',
    path: '/v1/chat/completions',
    body: openAi(dataUrl('image/png', JPEG)),
    param: 'messages[0].content[1].image_url.url',
    format: 'png',
  },
  {
    name: 'AI SDK: an image/png part with a PDF data URL',
    path: '/chat',
    body: aiSdk('image/png', dataUrl('application/pdf', PDF)),
    param: 'messages[0].parts[1].url',
    format: 'png',
  },
  {
    name: 'AI SDK: an application/pdf part of JPEG bytes',
    path: '/chat',
    body: aiSdk('application/pdf', dataUrl('application/pdf', JPEG)),
    param: 'messages[0].parts[1].url',
    format: 'pdf',
  },
];

describe.each(cases)('$name', ({ path, body, param, format }) => {
  test('gets 400 format_mismatch naming the field, without calling Bedrock', async () => {
    ctx.fake.setScript(() => answer(['should not be called']));
    const res = await invokeStream(ctx.mod, apiEvent(body, { path }));
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error).toEqual({
      type: 'invalid_request_error',
      code: 'format_mismatch',
      message: expect.stringMatching(new RegExp(`^${escape(param)} does not hold ${format} data`)),
      param,
    });
    expect(ctx.fake.requests).toHaveLength(0);
    expectNoLeak(res.body, b64(JPEG), b64(PNG));
  });
});

test.each([
  ['native', '/stream', native({ image: { format: 'jpeg', source: { bytes: b64(JPEG) } } })],
  ['OpenAI', '/v1/chat/completions', openAi(dataUrl('image/png', PNG))],
  ['AI SDK', '/chat', aiSdk('application/pdf', dataUrl('application/pdf', PDF))],
])('%s: an attachment of its declared format reaches the model', async (_name, path, body) => {
  ctx.fake.setScript(() => answer(['ok']));
  const res = await invokeStream(ctx.mod, apiEvent(body, { path }));
  expect(res.status).toBe(200);
  expect(ctx.fake.requests).toHaveLength(1);
});

function escape(text: string): string {
  return text.replace(/[.[\]]/g, '\\$&');
}
