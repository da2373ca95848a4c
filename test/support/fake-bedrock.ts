/**
 * The fake Bedrock endpoint with what tests and benches observe: the requests it received, the streams its clients
 * cancelled or that are still open, the connections it accepted, a per-frame callback, and a replaceable script.
 * The runner itself uses the plain endpoint in src/local/fake-bedrock.ts.
 */
import {
  FakeBedrock as FakeBedrockEndpoint,
  answer,
  type FakeFrame,
  type FakeRequest,
  type FakeScript,
} from '../../src/local/fake-bedrock';

export { answer, answerFrames, blockFrames, httpError } from '../../src/local/fake-bedrock';
export type { FakeBlock, FakeFrame, FakeRequest, FakeResponse, FakeScript } from '../../src/local/fake-bedrock';

export class FakeBedrock extends FakeBedrockEndpoint {
  /** Every ConverseStream request received, in order. */
  readonly requests: FakeRequest[] = [];
  /** Streams the client closed before the script ended (an abort reached the model). */
  cancelledStreams = 0;
  /** Streams that ran to their last frame. */
  completedStreams = 0;
  /** TCP connections accepted so far (clients that keep connections alive reuse them). */
  connections = 0;
  /** Streams being answered right now. */
  activeStreams = 0;
  /** Called right after each frame is written (benchmarks time the path from here to the client). */
  onFrame?: (request: FakeRequest, frame: FakeFrame) => void;

  constructor(script: FakeScript = () => answer(['Hello', ' world'])) {
    super(script, {
      connected: () => this.connections++,
      received: (request) => this.requests.push(request),
      streamStarted: () => this.activeStreams++,
      frameSent: (request, frame) => this.onFrame?.(request, frame),
      streamEnded: (_request, end) => {
        this.activeStreams--;
        if (end.cancelled) {
          this.cancelledStreams++;
        } else {
          this.completedStreams++;
        }
      },
    });
  }

  /** Replaces the script (and forgets retry counts). */
  setScript(script: FakeScript): void {
    this.script = script;
    this.attempts.clear();
  }
}
