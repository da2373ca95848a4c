/**
 * The public `ClientProtocol` enum and the contract's descriptor list are one list: each member names a descriptor,
 * and each descriptor's URL attribute is an attribute of the construct, set when the protocol is served.
 */
import { App, Stack } from 'aws-cdk-lib';
import { ClientProtocol, StreamingBedrockApi } from '../../src';
import { ALL_PROTOCOLS, CLIENT_PROTOCOLS } from '../../src/contract';

const MODEL = 'anthropic.claude-3-5-haiku-20241022-v1:0';

function apiWith(protocols: ClientProtocol[]): { stack: Stack; api: StreamingBedrockApi } {
  const stack = new Stack(new App(), 'S', { env: { account: '123456789012', region: 'us-east-1' } });
  return { stack, api: new StreamingBedrockApi(stack, 'Chat', { modelId: MODEL, protocols }) };
}

/** A URL attribute's value by name (the descriptors name the attributes as strings). */
function urlAttribute(api: StreamingBedrockApi, attribute: string): string | undefined {
  return (api as unknown as Record<string, string | undefined>)[attribute];
}

test('the ClientProtocol members are exactly the descriptor ids, each value its own name', () => {
  expect(Object.values(ClientProtocol).sort()).toEqual(CLIENT_PROTOCOLS.map((p) => p.id).sort());
  for (const [name, value] of Object.entries(ClientProtocol)) {
    expect(value).toBe(name);
  }
});

test.each(CLIENT_PROTOCOLS.map((p) => [p.id, p] as const))(
  '%s sets its URL attribute to the URL of its path, and only its own',
  (id, descriptor) => {
    const { stack, api } = apiWith([id as ClientProtocol]);
    const url = JSON.stringify(stack.resolve(urlAttribute(api, descriptor.url.attribute)));
    expect(url).toMatch(new RegExp(`"${descriptor.url.path}"\\]\\]\\}$`));
    const others = CLIENT_PROTOCOLS.filter((p) => p.url.attribute !== descriptor.url.attribute).map((p) =>
      urlAttribute(api, p.url.attribute),
    );
    expect(others).toEqual(others.map(() => undefined));
  },
);

test('both OpenAI protocols give openAiBaseUrl: either one served alone sets it', () => {
  for (const protocol of [ClientProtocol.OPENAI_CHAT_COMPLETIONS, ClientProtocol.OPENAI_RESPONSES]) {
    const { stack, api } = apiWith([protocol]);
    expect(JSON.stringify(stack.resolve(api.openAiBaseUrl))).toMatch(/"\/v1"\]\]\}$/);
  }
  expect(apiWith([ClientProtocol.AI_SDK_UI_MESSAGES]).api.openAiBaseUrl).toBeUndefined();
});

test('every descriptor names a URL attribute the construct has', () => {
  const { api } = apiWith(Object.values(ClientProtocol));
  for (const { url } of ALL_PROTOCOLS) {
    expect(urlAttribute(api, url.attribute)).toEqual(expect.any(String));
  }
});
