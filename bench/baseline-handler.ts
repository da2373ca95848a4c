// Baseline for the bundle figures: a handler holding only the Bedrock client it uses, and nothing else.
import { BedrockRuntimeClient, ConverseStreamCommand } from '@aws-sdk/client-bedrock-runtime';

const client = new BedrockRuntimeClient({});

export async function handler(event: { prompt: string }) {
  const response = await client.send(
    new ConverseStreamCommand({ modelId: 'm', messages: [{ role: 'user', content: [{ text: event.prompt }] }] }),
  );
  let text = '';
  for await (const e of response.stream ?? []) {
    text += e.contentBlockDelta?.delta?.text ?? '';
  }
  return text;
}
