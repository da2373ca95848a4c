/**
 * One request's budget: reserve its worst case before Bedrock is called (one request, the input estimate + maxTokens,
 * and their USD at the model's price), tell the caller what is left, settle to the real usage after the answer. The
 * ledger itself is budget-ledger.ts; the rules are here.
 */
import {
  BUDGET_REMAINING_HEADER,
  BUDGET_REMAINING_USD_HEADER,
  costUsd,
  usdNumber,
  worstCaseInputUsd,
  type ModelPrice,
} from '../contract';
import type * as LedgerModule from './budget-ledger';
import type { Caller } from './caller';
import type { ChatRequest, Usage } from './chat';
import type { BudgetConfig, HandlerConfig } from './config';
import { Errors } from './errors';
import { estimateCallerTokens, estimateTextTokens } from './token-estimate';

/**
 * The ledger and its DynamoDB client: a file of its own in the handler asset (`budget-ledger.js`, beside `index.js`:
 * see the bundle tasks in .projenrc.ts), loaded by the first budgeted request, so that a function without budgets
 * never parses the client (cold start). From the sources (tests, ts-node) it is the TypeScript module.
 */
function ledger(): typeof LedgerModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- on demand, see above
  return require('./budget-ledger');
}

/** What the log line says about the budget. */
export interface BudgetRecord {
  /** Tokens reserved before the model was called (its worst case). */
  readonly reservedTokens: number;
  /** USD reserved before the model was called (with a price for the model). */
  readonly reservedUsd?: number;
  /** Tokens charged once the answer ended (the model's usage, cache tokens included). */
  chargedTokens?: number;
  /** USD charged once the answer ended. */
  chargedUsd?: number;
  /** The request was refused (429). */
  exceeded?: boolean;
  /** The ledger could not be reached and `failOpen` let the request through uncounted. */
  unmetered?: boolean;
  /** The settlement could not be written: the reservation stands in the ledger. */
  settlementFailed?: boolean;
}

/**
 * The request's input tokens, estimated from what is sent to the model (the operator's system prompt, the caller's
 * system messages, messages, tools): token-estimate.ts.
 */
export function estimateInputTokens(request: ChatRequest, config: Pick<HandlerConfig, 'systemPrompt'>): number {
  return estimateCallerTokens(request) + estimateTextTokens(config.systemPrompt ?? '');
}

/** What a request really used: every input token (cached or not) and every output token. */
export function tokensUsed(usage: Usage): number {
  return usage.inputTokens + usage.outputTokens + usage.cacheReadInputTokens + usage.cacheWriteInputTokens;
}

/** What `usage` costs at `price` (undefined without a price). */
export function usageCost(usage: Usage, price: ModelPrice | undefined): number | undefined {
  return price && Number(usdNumber(costUsd(usage, price)));
}

/**
 * A price at least as dear as each of `prices`, field by field: the reservation's price when any of several models may
 * answer (fallbacks), so that the worst case holds whichever does. Undefined when one of them has no price.
 */
export function dearestPrice(prices: readonly (ModelPrice | undefined)[]): ModelPrice | undefined {
  if (prices.length === 0 || prices.some((price) => price === undefined)) {
    return undefined;
  }
  const known = prices as readonly ModelPrice[];
  const most = (field: (price: ModelPrice) => number) => Math.max(...known.map(field));
  return {
    inputPerMillionTokens: most((p) => p.inputPerMillionTokens),
    outputPerMillionTokens: most((p) => p.outputPerMillionTokens),
    cacheReadPerMillionTokens: most((p) => p.cacheReadPerMillionTokens ?? p.inputPerMillionTokens),
    cacheWritePerMillionTokens: most((p) => p.cacheWritePerMillionTokens ?? p.inputPerMillionTokens),
  };
}

export class RequestBudget {
  private budgetRecord: BudgetRecord | undefined;
  private reservation: LedgerModule.Reservation | undefined;
  /** The system prompt's share of the reservation, left out of what the caller is told. */
  private hidden: LedgerModule.Charge = { requests: 0, tokens: 0 };

  /** The answering model's price, what the settlement charges at (the reservation's until `answeredAt`). */
  private settlementPrice: ModelPrice | undefined;

  /**
   * @param price the price the worst case is reserved at: the model's, or with fallbacks the dearest of the models
   * that may answer (`dearestPrice`); undefined when one of them has none
   */
  constructor(
    private readonly config: BudgetConfig,
    private readonly caller: Caller,
    private readonly price: ModelPrice | undefined,
  ) {
    this.settlementPrice = price;
  }

  /** The model that answers is known: its usage is charged at its price (`price`, undefined without one). */
  answeredAt(price: ModelPrice | undefined): void {
    this.settlementPrice = price;
  }

  /** What the log line says about the budget (undefined until a reservation was tried). */
  get record(): BudgetRecord | undefined {
    return this.budgetRecord;
  }

  /** Reserves the request's worst case, or throws the 429 (over a limit) or the 503 (ledger unreachable). */
  async reserve(request: ChatRequest, handlerConfig: Pick<HandlerConfig, 'systemPrompt'>): Promise<void> {
    // The operator's system prompt is reserved for but never shown: the header and the 429 would reveal its length.
    const systemTokens = estimateTextTokens(handlerConfig.systemPrompt ?? '');
    const callerTokens = estimateCallerTokens(request);
    this.hidden = this.worstCase(systemTokens, 0, 0);
    const shown = this.worstCase(callerTokens, request.maxTokens, 1);
    await this.reserveCharge(this.worstCase(callerTokens + systemTokens, request.maxTokens, 1), shown);
  }

  /**
   * Reserves one request and no tokens: for a backend whose token use the API cannot see (an AgentCore agent), where
   * only request limits (`requestsPerMinute`) apply. The same 429 and 503 as `reserve`; nothing to settle after.
   */
  async reserveRequest(): Promise<void> {
    const charge = { requests: 1, tokens: 0, requestsOnly: true };
    await this.reserveCharge(charge, charge);
  }

  /** Reserves `charge`; `shown` is the part of it a refusal may tell the caller. */
  private async reserveCharge(charge: LedgerModule.Charge, shown: LedgerModule.Charge): Promise<void> {
    const record: BudgetRecord = { reservedTokens: charge.tokens, reservedUsd: charge.usd };
    this.budgetRecord = record;
    try {
      this.reservation = await ledger().ledgerFor(this.config).reserve(this.caller, charge);
    } catch (err) {
      if (err instanceof ledger().BudgetExceededError) {
        record.exceeded = true;
        const seconds = Math.max(1, Math.ceil((err.resetsAt.getTime() - Date.now()) / 1000));
        throw Errors.overLimit(err.limit, shown, seconds);
      }
      // failOpen covers a ledger out of reach, never a broken one: that would silently switch budgets off for good.
      const unavailable = err instanceof ledger().BudgetLedgerUnavailableError ? err : undefined;
      if (unavailable?.misconfigured || !this.config.failOpen) {
        throw Errors.budgetUnavailable(unavailable ? unavailable.cause : err);
      }
      record.unmetered = true;
    }
  }

  /** The most `inputTokens` and `outputTokens` can cost: at the dearest input price, USD only with a price. */
  private worstCase(inputTokens: number, outputTokens: number, requests: number): LedgerModule.Charge {
    const price = this.price;
    const usd = price && worstCaseInputUsd(inputTokens, price) + costUsd({ inputTokens: 0, outputTokens }, price);
    return { requests, tokens: inputTokens + outputTokens, usd };
  }

  /**
   * The remaining-allowance headers, for the counters a limit applies to: what is left after the caller's share of
   * this reservation (the system prompt's share is added back, so that the headers do not measure the system prompt).
   */
  headers(): Record<string, string> {
    const remaining = this.reservation?.remaining ?? {};
    const headers: Record<string, string> = {};
    if (remaining.tokens !== undefined) {
      headers[BUDGET_REMAINING_HEADER] = String(remaining.tokens + this.hidden.tokens);
    }
    if (remaining.usd !== undefined) {
      headers[BUDGET_REMAINING_USD_HEADER] = usdNumber(Math.max(0, remaining.usd + (this.hidden.usd ?? 0)));
    }
    return headers;
  }

  /**
   * Settles the reservation: to the model's usage when it reported one, to nothing when the model never answered,
   * and otherwise (the answer was cut: deadline, disconnect) the reservation stands, as the model may have used it.
   * Gives up after `timeoutMs` (what is left of the invocation), so that the log line is still written.
   */
  async settle(usage: Usage | undefined, modelAnswered: boolean, timeoutMs: number): Promise<void> {
    const reservation = this.reservation;
    const record = this.budgetRecord;
    if (reservation === undefined || record === undefined) {
      return;
    }
    this.reservation = undefined;
    const used = this.chargeFor(reservation, usage, modelAnswered);
    try {
      const signal = AbortSignal.timeout(Math.max(1, timeoutMs));
      await ledger().ledgerFor(this.config).settle(this.caller, reservation, used, signal);
      record.chargedTokens = used.tokens;
      record.chargedUsd = used.usd;
    } catch {
      record.settlementFailed = true;
    }
  }

  private chargeFor(
    reservation: LedgerModule.Reservation,
    usage: Usage | undefined,
    modelAnswered: boolean,
  ): LedgerModule.Charge {
    if (usage) {
      return { requests: 1, tokens: tokensUsed(usage), usd: usageCost(usage, this.settlementPrice) };
    }
    return modelAnswered ? reservation.charge : { requests: 1, tokens: 0, usd: this.price && 0 };
  }
}
