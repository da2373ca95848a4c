/** The native protocol: `POST /stream` (and `POST /buffered`, served by the buffered function). */
import { Routes } from '../../../contract';
import type { ProtocolUnit } from '../unit';
import { decodeNative } from './decode';

export const nativeProtocol: ProtocolUnit = {
  id: 'NATIVE',
  routes: { [Routes.STREAM.path]: { chat: decodeNative } },
};
