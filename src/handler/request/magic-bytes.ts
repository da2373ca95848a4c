/**
 * Whether an attachment's bytes are of the format the caller declared. Bedrock answers a mismatch (a `png` image of
 * JPEG bytes, a `pdf` of PNG bytes) with an error of its own that reaches the caller as the model's failure; this
 * answers our own 400 naming the field instead.
 *
 * Checked: the formats with a signature of their own (png, jpeg, gif, webp, pdf). Not checked: the text formats
 * (csv, txt, md, html) have no signature, and the office ones share their container's (doc and xls: OLE compound
 * file; docx and xlsx: ZIP) with many other files, so their first bytes prove nothing about the format.
 */
import type { DocumentFormat, ImageFormat } from '../chat';
import { invalidRequest } from '../errors';

/** How a PDF reader finds the header: `%PDF-` within the first 1024 bytes (PDF 32000-1, annex H). */
const PDF_HEADER_WINDOW = 1024;

const SIGNATURES: Partial<Record<ImageFormat | DocumentFormat, (bytes: Uint8Array) => boolean>> = {
  // The first 4 of PNG's 8 signature bytes: enough to tell the formats apart.
  png: (bytes) => startsWith(bytes, [0x89, 0x50, 0x4e, 0x47]),
  jpeg: (bytes) => startsWith(bytes, [0xff, 0xd8, 0xff]),
  gif: (bytes) => startsWith(bytes, ascii('GIF87a')) || startsWith(bytes, ascii('GIF89a')),
  webp: (bytes) => startsWith(bytes, ascii('RIFF')) && startsWith(bytes.subarray(8), ascii('WEBP')),
  pdf: (bytes) => Buffer.from(bytes.subarray(0, PDF_HEADER_WINDOW)).includes('%PDF-'),
};

/** The formats whose bytes are checked. */
export const SIGNED_FORMATS = Object.keys(SIGNATURES) as ReadonlyArray<ImageFormat | DocumentFormat>;

/**
 * Returns `bytes` when they carry the signature of `format` (or the format has none worth checking); else throws a
 * 400 ApiError naming `param`, the field that holds the bytes.
 */
export function checkMagicBytes(format: ImageFormat | DocumentFormat, bytes: Uint8Array, param: string): Uint8Array {
  const matches = SIGNATURES[format];
  if (matches && !matches(bytes)) {
    throw invalidRequest(
      'format_mismatch',
      `${param} does not hold ${format} data: its bytes do not start as a ${format} file does. ` +
        'Declare the format the bytes have, or send bytes of the declared format.',
      param,
    );
  }
  return bytes;
}

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return bytes.length >= prefix.length && prefix.every((byte, i) => bytes[i] === byte);
}

function ascii(text: string): number[] {
  return [...text].map((char) => char.charCodeAt(0));
}
