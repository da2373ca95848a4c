import { RemovalPolicy, Token } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { fail } from './validation';
import { BUDGET_LIMITS, BudgetTableSchema, isBudgetLimit, type BudgetCounter } from '../contract';
import type { TokenBudgetOptions } from '../token-budget-options';

/** The item actions the handler's ledger uses: read the caller's limits, reserve and settle. Nothing else. */
export const BUDGET_LEDGER_ACTIONS = ['dynamodb:GetItem', 'dynamodb:UpdateItem'];

/**
 * The ledger table: yours, or a new one with the contract's key schema, on demand, TTL on the period items,
 * point-in-time recovery, AWS-owned encryption, and kept when the stack is deleted (it holds usage records).
 */
export function budgetTable(scope: Construct, budget: TokenBudgetOptions): dynamodb.ITable {
  if (budget.table) {
    return budget.table;
  }
  return new dynamodb.Table(scope, 'BudgetTable', {
    partitionKey: { name: BudgetTableSchema.PARTITION_KEY, type: dynamodb.AttributeType.STRING },
    sortKey: { name: BudgetTableSchema.SORT_KEY, type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    timeToLiveAttribute: BudgetTableSchema.TIME_TO_LIVE_ATTRIBUTE,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: dynamodb.TableEncryption.DEFAULT,
    removalPolicy: RemovalPolicy.RETAIN,
  });
}

/**
 * What DynamoDB does with a table's customer managed key on behalf of the caller of an item action. Listed, not
 * `grantEncryptDecrypt()`, whose `kms:ReEncrypt*` and `kms:GenerateDataKey*` wildcards cdk-nag flags (IAM5).
 */
export const BUDGET_LEDGER_KEY_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'];

/** GetItem and UpdateItem on exactly the ledger table, and the use of its customer managed key if it has one. */
export function grantBudgetLedger(table: dynamodb.ITable, role: iam.IRole): void {
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: BUDGET_LEDGER_ACTIONS, resources: [table.tableArn] }));
  table.encryptionKey?.grant(role, ...BUDGET_LEDGER_KEY_ACTIONS);
}

/**
 * Limits are known at synth: whole numbers of requests or tokens, USD amounts for spend; a day limit no larger than
 * its month limit; a budget needs at least one limit or a table of limits items.
 */
export function validateTokenBudget(subject: string, budget: TokenBudgetOptions): void {
  for (const { name, counter } of BUDGET_LIMITS) {
    const value = budget[name];
    if (value !== undefined && (Token.isUnresolved(value) || !isBudgetLimit(name, value))) {
      fail(subject, `tokenBudget.${name}`, value, LIMIT_FIXES[counter]);
    }
  }
  for (const [day, month] of [
    ['tokensPerDay', 'tokensPerMonth'],
    ['spendPerDay', 'spendPerMonth'],
  ] as const) {
    const dayLimit = budget[day];
    const monthLimit = budget[month];
    if (dayLimit !== undefined && monthLimit !== undefined && dayLimit > monthLimit) {
      fail(
        subject,
        `tokenBudget.${day}`,
        dayLimit,
        `It is larger than tokenBudget.${month} (${monthLimit}), so the day limit could never be reached: lower it, or raise the month limit.`,
      );
    }
  }
  if (BUDGET_LIMITS.every(({ name }) => budget[name] === undefined) && !budget.table) {
    fail(
      subject,
      'tokenBudget',
      budget,
      'A budget needs a limit: set one of requestsPerMinute, tokensPerMinute, tokensPerDay, tokensPerMonth, ' +
        'spendPerDay, spendPerMonth, or pass your own table whose limits items set them per caller.',
    );
  }
}

const LIMIT_FIXES: Record<BudgetCounter, string> = {
  requests:
    'Use a whole number of requests >= 0 known at synth, e.g. 60 (0 refuses every request of a caller without a limits item).',
  tokens:
    'Use a whole number of tokens >= 0 known at synth, e.g. 200000 (0 refuses every request of a caller without a limits item).',
  usd: 'Use an amount of USD >= 0 known at synth, e.g. 25 (0 refuses every request of a caller without a limits item).',
};
