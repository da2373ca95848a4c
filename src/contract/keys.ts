/**
 * Managed keys, written once: the key format, how a key is stored (only its SHA-256), and the key table's items. The
 * construct creates the table with this key schema, the handler reads the items, the CLI writes them, and the local
 * runner creates the same table in its embedded DynamoDB-compatible store.
 *
 * Items of the key table (partition key `pk`, a string; no sort key):
 *
 *   pk `key#<sha256 hex>`  one per key, read by the handler with GetItem: `keyId`, `name`, `owner?`, `createdAt`,
 *                          `expiresAt?`, `revokedAt?` (ISO 8601 strings), `allowedModels?` (list of model ids)
 *   pk `keyid#<keyId>`     one per key, for the CLI only: `keyHash` (the hash above), so `keys revoke <id>` finds the
 *                          key item without a Scan. The handler never reads it.
 */
import { createHash } from 'crypto';

/** Every managed key starts with it, so that secret scanners can match a leaked key. */
export const MANAGED_KEY_PREFIX = 'sbk_';

/** `sbk_` and 43 base64url characters: 32 random bytes (256 bits). Nothing else is looked up. */
export const MANAGED_KEY_PATTERN = /^sbk_[A-Za-z0-9_-]{43}$/;

/** Key ids: `k_` and 12 lowercase base32 characters (60 bits), not secret; the caller id in logs and budgets. */
export const MANAGED_KEY_ID_PATTERN = /^k_[a-z2-7]{12}$/;

/** The key table's partition key attribute (a string). */
export const KeyTableSchema = {
  PARTITION_KEY: 'pk',
} as const;

/** Attribute names of the key items. */
export const KeyAttributes = {
  KEY_ID: 'keyId',
  NAME: 'name',
  OWNER: 'owner',
  CREATED_AT: 'createdAt',
  EXPIRES_AT: 'expiresAt',
  REVOKED_AT: 'revokedAt',
  ALLOWED_MODELS: 'allowedModels',
  KEY_HASH: 'keyHash',
} as const;

/** How long the handler may keep a lookup (found or not) by default, and at most: the revocation bound. */
export const KeyCacheDefaults = {
  TTL_MS: 30_000,
  MAX_TTL_MS: 60_000,
} as const;

/** Whether `value` has the managed key format (checked before any lookup). */
export function isManagedKey(value: string): boolean {
  return MANAGED_KEY_PATTERN.test(value);
}

/** The SHA-256 of the whole key, hex: the only form in which a key is stored. */
export function managedKeyHash(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The partition key of a key's item (read by the handler). */
export function keyItemPartitionKey(keyHash: string): string {
  return `key#${keyHash}`;
}

/** The partition key of a key's id item (the CLI's index from id to hash). */
export function keyIdPartitionKey(keyId: string): string {
  return `keyid#${keyId}`;
}
