/**
 * What the construct, the default handler and the local runner agree on. Free of aws-cdk-lib, so that the handler and
 * runner bundles can import it; not part of the package's public API.
 */
export * from './budget';
export * from './cors';
export * from './settings';
export * from './store';
export * from './errors';
export * from './prelude';
export * from './protocols';
export * from './routes';
export * from './keys';
export * from './pricing';
export * from './agent-core';
