import * as path from 'path';
import * as lambda from 'aws-cdk-lib/aws-lambda';

/**
 * The bundled handlers, built at build time (projen bundle task) and shipped in the npm package: consumers need
 * neither esbuild nor Docker at synth. StreamingBedrockApi's in `assets/handler/index.lambda/`, StreamingAgentCoreApi's
 * (its own small bundle, no Bedrock Runtime client) in `assets/agent-core-handler/`.
 */
const ASSETS = path.join(__dirname, '..', '..', 'assets');

/** Entry points of the Bedrock bundle. */
export const DefaultHandlerEntryPoint = {
  STREAMING: 'index.handler',
  BUFFERED: 'index.bufferedHandler',
} as const;

/** The entry point of the AgentCore bundle (`awslambda.streamifyResponse`). */
export const AGENT_CORE_HANDLER_ENTRY_POINT = 'index.handler';

export function defaultHandlerCode(): lambda.Code {
  return lambda.Code.fromAsset(path.join(ASSETS, 'handler', 'index.lambda'));
}

export function agentCoreHandlerCode(): lambda.Code {
  return lambda.Code.fromAsset(path.join(ASSETS, 'agent-core-handler'));
}
