import type { ClientProtocol } from '../client-protocol';
import { ALL_PROTOCOLS, CLIENT_PROTOCOLS, NATIVE_PROTOCOL, type ProtocolDescriptor } from '../contract';

/**
 * The protocols the streaming function serves: the native one, then those listed, in the descriptors' order (so that
 * the order of the list changes nothing in the template).
 */
export function servedProtocols(listed: readonly ClientProtocol[] | undefined): ProtocolDescriptor[] {
  const on: readonly string[] = listed ?? [];
  return [NATIVE_PROTOCOL, ...CLIENT_PROTOCOLS.filter((p) => on.includes(p.id))];
}

/**
 * The construct's URL attributes: each served protocol's (`streamUrl`, `openAiBaseUrl`, `chatUrl`) set to the URL of
 * its path, the others undefined. Protocols may share an attribute (both OpenAI protocols give `openAiBaseUrl`): it is
 * set when any of them is served.
 */
export function protocolUrls(
  served: readonly ProtocolDescriptor[],
  urlFor: (path: string) => string,
): Record<string, string | undefined> {
  const urls: Record<string, string | undefined> = Object.fromEntries(ALL_PROTOCOLS.map(({ url }) => [url.attribute]));
  served.forEach(({ url }) => (urls[url.attribute] = urlFor(url.path)));
  return urls;
}
