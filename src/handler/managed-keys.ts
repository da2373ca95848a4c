/**
 * Managed keys (contract/keys.ts): the request's key, checked before anything else is read, and the caller it names.
 * A header that is not a key of our format is refused without a lookup, so nothing a caller sends becomes a query
 * but a hash. Lookups (found or not) are kept for `cacheTtlMs`: a revocation or a new key takes effect within it.
 * The reader and its DynamoDB client are the part `key-store.js`, loaded by the first request that needs them.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { isManagedKey, managedKeyHash } from '../contract';
import type { Caller } from './caller';
import type { HandlerConfig, ManagedKeysConfig } from './config';
import { Errors } from './errors';
import type * as KeyStoreModule from './key-store';
import { header } from './request/http';

function keyStore(): typeof KeyStoreModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- on demand, see above
  return require('./key-store');
}

/** Lookups kept at most, oldest dropped first: random well-formed keys cannot grow the cache without bound. */
const MAX_CACHED_LOOKUPS = 5000;

/** Lookups by key hash, with when they were made: the TTL is applied when one is read. */
const cache = new Map<string, { readonly key: KeyStoreModule.StoredKey | undefined; readonly at: number }>();

/** The caller a valid key names, and the models it may use (undefined: every model of the API). */
export interface KeyHolder {
  readonly caller: Caller;
  readonly allowedModels?: readonly string[];
}

/** The key the request carries: `Authorization: Bearer <key>` first, else `x-api-key`. */
export function presentedKey(event: Pick<APIGatewayProxyEvent, 'headers'>): string | undefined {
  const bearer = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header(event, 'authorization') ?? '')?.[1];
  return bearer ?? (header(event, 'x-api-key')?.trim() || undefined);
}

/** The key's holder, or the 401 (no key; not a key, unknown, revoked or expired: alike), or 503 (table unreadable). */
export async function authenticate(
  event: Pick<APIGatewayProxyEvent, 'headers'>,
  config: ManagedKeysConfig,
): Promise<KeyHolder> {
  const presented = presentedKey(event);
  if (presented === undefined) {
    throw Errors.keyMissing();
  }
  if (!isManagedKey(presented)) {
    throw Errors.keyInvalid();
  }
  const key = await lookup(managedKeyHash(presented), config);
  const now = Date.now();
  if (!key || key.revoked || (key.expiresAt !== undefined && key.expiresAt <= now)) {
    throw Errors.keyInvalid();
  }
  return { caller: { type: 'managedKey', id: key.keyId }, allowedModels: key.allowedModels };
}

async function lookup(keyHash: string, config: ManagedKeysConfig): Promise<KeyStoreModule.StoredKey | undefined> {
  const cached = cache.get(keyHash);
  if (cached && Date.now() - cached.at < config.cacheTtlMs) {
    return cached.key;
  }
  let key: KeyStoreModule.StoredKey | undefined;
  try {
    key = await keyStore().keyStoreFor(config.tableName).find(keyHash);
  } catch (err) {
    throw Errors.keyUnavailable(err);
  }
  cache.delete(keyHash);
  if (config.cacheTtlMs > 0) {
    if (cache.size >= MAX_CACHED_LOOKUPS) {
      cache.delete(cache.keys().next().value as string);
    }
    cache.set(keyHash, { key, at: Date.now() });
  }
  return key;
}

/**
 * The configuration a key holder's request is decoded with: only the models the key may use are allowed, so each
 * protocol refuses the others in its own words (and lists only these), as it refuses a model the API does not serve.
 * The same goes for the fallbacks: a key never gets an answer from a model it may not use.
 */
export function scopedConfig(config: HandlerConfig, holder: KeyHolder): HandlerConfig {
  const allowed = holder.allowedModels;
  return allowed === undefined
    ? config
    : {
        ...config,
        allowedModelIds: config.allowedModelIds.filter((id) => allowed.includes(id)),
        fallbackModelIds: config.fallbackModelIds?.filter((id) => allowed.includes(id)),
      };
}

/** A request that names no model gets the API's default: refused (403) when the key may not use it. */
export function checkModel(modelId: string, config: HandlerConfig): void {
  if (!config.allowedModelIds.includes(modelId)) {
    throw Errors.modelNotAllowedForKey(config.allowedModelIds);
  }
}
