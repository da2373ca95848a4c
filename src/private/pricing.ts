import { Token } from 'aws-cdk-lib';
import { fail } from './validation';
import { invalidPriceField } from '../contract';
import type { StreamingBedrockApiProps } from '../streaming-bedrock-api-props';

/**
 * Prices are USD amounts known at synth, and spend limits need a price for every model the API may call: without one
 * a request for that model could not be counted in USD, and the handler would refuse it (503).
 */
export function validatePricing(subject: string, props: StreamingBedrockApiProps, modelIds: readonly string[]): void {
  const pricing = props.pricing ?? {};
  for (const [modelId, price] of Object.entries(pricing)) {
    const field = invalidPriceField(price);
    if (field !== undefined || Object.values(price).some((v) => Token.isUnresolved(v))) {
      const name = field ?? 'inputPerMillionTokens';
      fail(
        subject,
        `pricing['${modelId}'].${name}`,
        price[name],
        'Use USD per million tokens >= 0 known at synth, as on https://aws.amazon.com/bedrock/pricing/ (e.g. 0.8).',
      );
    }
  }
  const spendLimit = (['spendPerDay', 'spendPerMonth'] as const).find(
    (name) => props.tokenBudget?.[name] !== undefined,
  );
  const unpriced = modelIds.filter((id) => pricing[id] === undefined);
  if (spendLimit && unpriced.length) {
    fail(
      subject,
      'pricing',
      props.pricing,
      `tokenBudget.${spendLimit} counts USD at each model's price, and ${unpriced.map((id) => `'${id}'`).join(', ')} ` +
        'has no price: add it to pricing (USD per million input and output tokens), or remove the spend limit.',
    );
  }
}
