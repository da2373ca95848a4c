/**
 * Model prices and what a request costs: the construct checks and encodes the `pricing` prop with them, the handler
 * prices its reservations, settlements and log lines, the runner maps `--price` to them.
 */
import { isUsdAmount } from './budget';

/** USD per million tokens of one model, as on the Bedrock pricing page. */
export interface ModelPrice {
  readonly inputPerMillionTokens: number;
  readonly outputPerMillionTokens: number;
  /** @default - the input price */
  readonly cacheReadPerMillionTokens?: number;
  /** @default - the input price */
  readonly cacheWritePerMillionTokens?: number;
}

/** The tokens a price applies to (a request's usage, or its worst case). */
export interface PricedTokens {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadInputTokens?: number;
  readonly cacheWriteInputTokens?: number;
}

/** What `tokens` cost at `price`, in USD. */
export function costUsd(tokens: PricedTokens, price: ModelPrice): number {
  const cacheRead = price.cacheReadPerMillionTokens ?? price.inputPerMillionTokens;
  const cacheWrite = price.cacheWritePerMillionTokens ?? price.inputPerMillionTokens;
  return (
    (tokens.inputTokens * price.inputPerMillionTokens +
      tokens.outputTokens * price.outputPerMillionTokens +
      (tokens.cacheReadInputTokens ?? 0) * cacheRead +
      (tokens.cacheWriteInputTokens ?? 0) * cacheWrite) /
    1_000_000
  );
}

/**
 * The most `inputTokens` can cost before the model says how they were billed: at the dearest of the input prices (a
 * cache write costs more than plain input on the models that cache).
 */
export function worstCaseInputUsd(inputTokens: number, price: ModelPrice): number {
  const dearest = Math.max(
    price.inputPerMillionTokens,
    price.cacheReadPerMillionTokens ?? 0,
    price.cacheWritePerMillionTokens ?? 0,
  );
  return (inputTokens * dearest) / 1_000_000;
}

/** The fields of a price, in the order of the compact encoding `[input, output, cacheRead?, cacheWrite?]`. */
const PRICE_FIELDS = [
  'inputPerMillionTokens',
  'outputPerMillionTokens',
  'cacheReadPerMillionTokens',
  'cacheWritePerMillionTokens',
] as const;

/** The price field that is not a USD amount (negative, not finite, missing where required), if any. */
export function invalidPriceField(price: ModelPrice): (typeof PRICE_FIELDS)[number] | undefined {
  return PRICE_FIELDS.find((field, i) => {
    const value = price[field];
    return (i < 2 || value !== undefined) && !isUsdAmount(value);
  });
}

/** The compact array a price travels as in the handler's environment (4 KB in total: every byte counts). */
export function encodePrice(price: ModelPrice): number[] {
  const values = PRICE_FIELDS.map((field) => price[field]);
  while (values.length > 2 && values[values.length - 1] === undefined) {
    values.pop();
  }
  return values.map((value) => value ?? price.inputPerMillionTokens);
}

/** The price a compact array holds, or undefined when it is not one. */
export function decodePrice(value: unknown): ModelPrice | undefined {
  if (!Array.isArray(value) || value.length < 2 || value.length > 4 || !value.every(isUsdAmount)) {
    return undefined;
  }
  const [input, output, cacheRead, cacheWrite] = value as number[];
  return {
    inputPerMillionTokens: input,
    outputPerMillionTokens: output,
    cacheReadPerMillionTokens: cacheRead,
    cacheWritePerMillionTokens: cacheWrite,
  };
}
