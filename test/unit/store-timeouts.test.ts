/**
 * The timeouts of the handler's DynamoDB clients: the deployed ones unless the local runner sets its own.
 */
import { readStoreTimeouts, SettingsError, StoreEnvironment, StoreTimeoutDefaults } from '../../src/contract';

test('without the variables, the deployed timeouts: 1 s to connect, 2 s per request', () => {
  expect(readStoreTimeouts({})).toEqual({ connectionTimeout: 1000, requestTimeout: 2000, throwOnRequestTimeout: true });
  expect(StoreTimeoutDefaults).toEqual({ CONNECTION_TIMEOUT_MS: 1000, REQUEST_TIMEOUT_MS: 2000 });
});

test('the variables the local runner sets replace them', () => {
  const env = { [StoreEnvironment.CONNECTION_TIMEOUT_MS]: '10000', [StoreEnvironment.REQUEST_TIMEOUT_MS]: '15000' };
  expect(readStoreTimeouts(env)).toEqual({
    connectionTimeout: 10000,
    requestTimeout: 15000,
    throwOnRequestTimeout: true,
  });
});

test.each(['0', '-5', '1.5', 'ten'])('fails on %j: not a positive integer', (value) => {
  const read = () => readStoreTimeouts({ [StoreEnvironment.REQUEST_TIMEOUT_MS]: value });
  expect(read).toThrow(SettingsError);
  expect(read).toThrow('SBA_STORE_REQUEST_TIMEOUT_MS is not a positive integer');
});
