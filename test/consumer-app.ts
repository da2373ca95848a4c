/**
 * A fresh consumer CDK app (test/consumer/package.json: the latest aws-cdk-lib, cdk-nag 2 and 3, integ-tests) with
 * this library installed from the tarball that `npm pack` makes, exactly as it would be published.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.join(__dirname, '..');

export interface ConsumerApp {
  readonly work: string;
  readonly appDir: string;
  cleanup(): void;
}

export function installConsumerApp(): ConsumerApp {
  if (!fs.existsSync(path.join(root, 'lib', 'index.js')) || !fs.existsSync(path.join(root, 'assets', 'handler'))) {
    throw new Error("lib/ or assets/ is missing: run 'npx projen build' (or bundle + compile) first");
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'consumer-'));
  const appDir = path.join(work, 'app');
  const [packed] = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: root, encoding: 'utf8' }),
  );
  fs.cpSync(path.join(__dirname, 'consumer'), appDir, { recursive: true });
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock', path.join(work, packed.filename)], {
    cwd: appDir,
    stdio: 'pipe',
  });
  return { work, appDir, cleanup: () => fs.rmSync(work, { recursive: true, force: true }) };
}
