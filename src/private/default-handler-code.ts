import * as path from 'path';
import * as lambda from 'aws-cdk-lib/aws-lambda';

/**
 * The default handler, bundled at build time (projen bundle task) into `assets/handler/index.lambda/` and shipped in
 * the npm package: consumers need neither esbuild nor Docker at synth.
 */
const ASSET_DIR = path.join(__dirname, '..', '..', 'assets', 'handler', 'index.lambda');

/** Entry points of the bundle. */
export const DefaultHandlerEntryPoint = {
  STREAMING: 'index.handler',
  BUFFERED: 'index.bufferedHandler',
} as const;

export function defaultHandlerCode(): lambda.Code {
  return lambda.Code.fromAsset(ASSET_DIR);
}
