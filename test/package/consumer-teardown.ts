/** Jest global teardown of `test:package`: removes the shared consumer install. */
import * as fs from 'fs';

export default function globalTeardown(): void {
  const shared = process.env.SBA_CONSUMER_APP;
  if (shared) {
    fs.rmSync(shared, { recursive: true, force: true });
  }
}
