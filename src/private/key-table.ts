import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { fail } from './validation';
import { KeyCacheDefaults, KeyTableSchema } from '../contract';

/** What the functions may do with the key table: read one key by its hash. Only the CLI's user writes keys. */
export const KEY_TABLE_ACTIONS = ['dynamodb:GetItem'];

/** What DynamoDB does with a customer managed key on behalf of a reader. */
const KEY_TABLE_KMS_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey'];

/**
 * The key table of the contract (contract/keys.ts): on demand, point-in-time recovery, AWS-owned encryption, kept
 * when the stack is deleted (deleting it would lock every key holder out of a redeployed API).
 */
export function keyTable(scope: Construct): dynamodb.ITable {
  return new dynamodb.Table(scope, 'KeyTable', {
    partitionKey: { name: KeyTableSchema.PARTITION_KEY, type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: dynamodb.TableEncryption.DEFAULT,
    removalPolicy: RemovalPolicy.RETAIN,
  });
}

/** GetItem on exactly the key table, and decryption with its customer managed key if it has one. */
export function grantKeyLookup(table: dynamodb.ITable, role: iam.IRole): void {
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: KEY_TABLE_ACTIONS, resources: [table.tableArn] }));
  table.encryptionKey?.grant(role, ...KEY_TABLE_KMS_ACTIONS);
}

/** The lookup cache's TTL in milliseconds: whole seconds from 0 to 60 (the revocation bound SECURITY.md states). */
export function keyCacheTtlMs(subject: string, ttl: Duration | undefined): number {
  if (ttl === undefined) {
    return KeyCacheDefaults.TTL_MS;
  }
  const ms = ttl.isUnresolved() ? NaN : ttl.toMilliseconds();
  if (!Number.isInteger(ms) || ms < 0 || ms > KeyCacheDefaults.MAX_TTL_MS) {
    fail(
      subject,
      'ApiAuth.managedKeys({ cacheTtl })',
      ttl,
      'Revocation must take effect within 60 seconds: use a duration from Duration.seconds(0) to Duration.seconds(60).',
    );
  }
  return ms;
}
