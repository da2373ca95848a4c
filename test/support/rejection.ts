/** The ApiError a request rule throws, for tests to assert its status, code, param and message. */
import { ApiError } from '../../src/handler/errors';

export function rejection(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) {
      return err;
    }
    throw err;
  }
  throw new Error('expected an ApiError');
}
