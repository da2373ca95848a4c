/**
 * The AgentCore handler's log line: one JSON line per request, written after the response ended, naming the caller
 * and the session (as a hash: the id itself lets anyone continue the session), and, as an EMF document, its metrics
 * (namespace `metricsNamespace`, default StreamingAgentCoreApi; dimension sets none and Outcome).
 */
import { createHash } from 'crypto';
import { AgentCoreDefaults } from '../../../contract';
import type { BudgetRecord } from '../../budget';
import type { Caller } from '../../caller';
import { emfMembers, lineLevel, loggedError, writeLogLine, type Outcome } from '../../telemetry';

export interface AgentRecord {
  readonly requestId: string;
  readonly caller: Caller;
  readonly lambdaRequestId?: string;
  /** The first 16 hex characters of the session id's SHA-256. */
  readonly sessionIdHash?: string;
  /** The handler made the session id (the request had no X-Session-Id). */
  readonly sessionGenerated?: boolean;
  readonly status: number;
  /** `ok`, or the error code. */
  readonly outcome: string;
  /** The agent's content type, once it answered. */
  readonly contentType?: string;
  /** From the request to the agent's first byte. */
  readonly timeToFirstByteMs?: number;
  readonly durationMs: number;
  /** The agent's bytes passed on (keep-alive comments and error events not counted). */
  readonly bytes: number;
  readonly error?: { code: string; afterOutput: boolean; cause?: Record<string, unknown> };
  /** The request limits' reservation, when the API has them. */
  readonly budget?: BudgetRecord;
}

/** What a request gathered, for the log line. */
export interface AgentRecordParts {
  readonly requestId: string;
  readonly caller: Caller;
  readonly lambdaRequestId?: string;
  readonly startedAt: number;
  readonly session?: { readonly id: string; readonly generated: boolean };
  readonly contentType?: string;
  readonly firstByteAt?: number;
  readonly bytes: number;
  readonly budget?: BudgetRecord;
}

export function sessionIdHash(sessionId: string): string {
  return createHash('sha256').update(sessionId).digest('hex').slice(0, 16);
}

export function agentRecord(parts: AgentRecordParts, outcome: Outcome): AgentRecord {
  return {
    requestId: parts.requestId,
    caller: parts.caller,
    lambdaRequestId: parts.lambdaRequestId,
    sessionIdHash: parts.session && sessionIdHash(parts.session.id),
    sessionGenerated: parts.session?.generated,
    status: outcome.status,
    outcome: outcome.error?.code ?? 'ok',
    contentType: parts.contentType,
    timeToFirstByteMs: parts.firstByteAt === undefined ? undefined : parts.firstByteAt - parts.startedAt,
    durationMs: Date.now() - parts.startedAt,
    bytes: parts.bytes,
    error: loggedError(outcome),
    budget: parts.budget,
  };
}

/** The API-wide metrics (for the construct's metric methods and alarms), and per outcome (errors by code). */
const DIMENSION_SETS = [[], ['Outcome']];

/** Writes the request's log line with its metrics. */
export function writeAgentRecord(record: AgentRecord, config: { readonly metricsNamespace: string } | undefined): void {
  const budget = record.budget;
  const metrics = emfMembers(
    config?.metricsNamespace ?? AgentCoreDefaults.METRICS_NAMESPACE,
    DIMENSION_SETS,
    { Outcome: record.outcome },
    [
      ['Requests', 'Count', 1],
      ['Errors', 'Count', record.outcome === 'ok' ? 0 : 1],
      ['TimeToFirstByte', 'Milliseconds', record.timeToFirstByteMs],
      ['Duration', 'Milliseconds', record.durationMs],
      // Only where request limits were checked: an API without them publishes no such metric.
      ['BudgetRejections', 'Count', budget && (budget.exceeded ? 1 : 0)],
      ['UnmeteredRequests', 'Count', budget && (budget.unmetered ? 1 : 0)],
    ],
  );
  writeLogLine({ level: lineLevel(record.outcome, budget), message: 'request completed', ...record, ...metrics });
}
