import { Duration } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';

/**
 * Options for {@link ApiAuth.managedKeys}.
 */
export interface ManagedKeysOptions {
  /**
   * The table of keys: a partition key `pk` (string) and no sort key. The functions get `dynamodb:GetItem` on it
   * only; the `keys` CLI writes it with the operator's credentials.
   *
   * @default - a new table (on demand, point-in-time recovery, kept when the stack is deleted): `StreamingBedrockApi.keyTable`
   */
  readonly table?: dynamodb.ITable;

  /**
   * How long a function reuses a key lookup (found or not): a revocation, an expiry set later or a new key takes
   * effect within it. At most 60 seconds; `Duration.seconds(0)` looks every key up on every request.
   *
   * @default Duration.seconds(30)
   */
  readonly cacheTtl?: Duration;
}
