/** A pure tally of an answer's events: what `done` and the log line report about the model's output. */
import type { ChatEvent, ChatSummary, Usage } from './chat';

const NO_USAGE: Usage = {
  inputTokens: 0,
  outputTokens: 0,
  totalTokens: 0,
  cacheReadInputTokens: 0,
  cacheWriteInputTokens: 0,
};

export class AnswerTally {
  private deltas = 0;
  private toolCalls = 0;
  private firstOutputAt: number | undefined;
  private stopReason: string | undefined;
  private usageEvent: Extract<ChatEvent, { type: 'usage' }> | undefined;
  private readonly text: string[] | undefined;

  /** `keepText`: the answer's text goes into the log line (logContent). */
  constructor(keepText = false) {
    this.text = keepText ? [] : undefined;
  }

  /** The model's usage, once it reported it. */
  get usage(): Usage | undefined {
    return this.usageEvent?.usage;
  }

  /** Counts one event that arrived at `at` (epoch ms). Time to first token counts from output of any kind. */
  add(event: ChatEvent, at: number): void {
    if (event.type === 'text' || event.type === 'reasoning' || event.type === 'toolUse') {
      this.firstOutputAt ??= at;
      this.deltas++;
    }
    if (event.type === 'text') {
      this.text?.push(event.text);
    } else if (event.type === 'toolUse') {
      this.toolCalls++;
    } else if (event.type === 'stop') {
      this.stopReason = event.stopReason;
    } else if (event.type === 'usage') {
      this.usageEvent = event;
    }
  }

  /** What `done` reports; only asked once the model's stream completed (stop and usage were seen). */
  summary(latencyMs: number): ChatSummary {
    return { stopReason: this.stopReason ?? 'unknown', usage: this.usage ?? NO_USAGE, latencyMs };
  }

  /** The tally's fields of the log line, times counted from `startedAt`. */
  logFields(startedAt: number) {
    return {
      stopReason: this.stopReason,
      usage: this.usage,
      modelLatencyMs: this.usageEvent?.modelLatencyMs,
      guardrailTrace: this.usageEvent?.guardrailTrace,
      deltas: this.deltas,
      toolCalls: this.toolCalls || undefined,
      timeToFirstTokenMs: this.firstOutputAt === undefined ? undefined : this.firstOutputAt - startedAt,
      answer: this.text?.join(''),
    };
  }
}
