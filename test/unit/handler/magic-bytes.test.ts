import { checkMagicBytes, SIGNED_FORMATS } from '../../../src/handler/request/magic-bytes';

const bytes = (...parts: Array<string | number[]>) =>
  new Uint8Array(Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p)))));

const SAMPLES = {
  png: bytes([0x89], 'PNG\r\n\x1a\n', 'IHDR'),
  jpeg: bytes([0xff, 0xd8, 0xff, 0xe0], 'JFIF'),
  gif: bytes('GIF89a', [1, 0, 1, 0]),
  webp: bytes('RIFF', [0x24, 0, 0, 0], 'WEBPVP8 '),
  pdf: bytes('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n'),
} as const;
type Signed = keyof typeof SAMPLES;
const FORMATS = Object.keys(SAMPLES) as Signed[];

describe('checkMagicBytes', () => {
  test('checks exactly the formats with a signature: png, jpeg, gif, webp, pdf', () => {
    expect([...SIGNED_FORMATS].sort()).toEqual([...FORMATS].sort());
  });

  test.each(FORMATS)('accepts %s bytes declared %s', (format) => {
    expect(checkMagicBytes(format, SAMPLES[format], 'p')).toBe(SAMPLES[format]);
  });

  const mismatches = FORMATS.flatMap((declared) =>
    FORMATS.filter((actual) => actual !== declared).map((actual) => [declared, actual] as const),
  );
  test.each(mismatches)('fails %s declared over %s bytes, naming the field', (declared, actual) => {
    expect(() => checkMagicBytes(declared, SAMPLES[actual], 'messages[0].content[0].image.source.bytes')).toThrow(
      expect.objectContaining({
        status: 400,
        code: 'format_mismatch',
        param: 'messages[0].content[0].image.source.bytes',
        message: expect.stringMatching(new RegExp(`does not hold ${declared} data`)),
      }),
    );
  });

  test('finds a PDF header after leading bytes, as PDF readers do (within the first 1024)', () => {
    expect(() => checkMagicBytes('pdf', bytes('\r\n\r\n%PDF-1.4'), 'p')).not.toThrow();
    expect(() => checkMagicBytes('pdf', bytes(' '.repeat(1024), '%PDF-1.4'), 'p')).toThrow(/does not hold pdf/);
  });

  test('fails bytes shorter than the signature', () => {
    expect(() => checkMagicBytes('png', bytes([0x89, 0x50]), 'p')).toThrow(/does not hold png/);
  });

  test.each(['csv', 'txt', 'md', 'html', 'doc', 'docx', 'xls', 'xlsx'] as const)(
    'does not check %s, which has no signature of its own',
    (format) => {
      expect(() => checkMagicBytes(format, SAMPLES.png, 'p')).not.toThrow();
    },
  );
});
