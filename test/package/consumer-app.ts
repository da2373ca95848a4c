/**
 * A fresh consumer CDK app (test/package/consumer/package.json: the latest aws-cdk-lib, cdk-nag 2 and 3, integ-tests,
 * TypeScript) with this library installed from the tarball that `npm pack` makes, exactly as it would be published.
 * The package tests share one install: `test:package` makes it in its global setup and names it in
 * SBA_CONSUMER_APP; a test file run on its own makes (and removes) its own.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.join(__dirname, '..', '..');
const SHARED = 'SBA_CONSUMER_APP';

export interface ConsumerApp {
  /** A scratch folder for the test's output. */
  readonly work: string;
  /** The app, with the package in its node_modules. */
  readonly appDir: string;
  /** The packed tarball that was installed. */
  readonly tarball: string;
  cleanup(): void;
}

/** The shared install when the task made one, else a new one that `cleanup()` removes. */
export function consumerApp(): ConsumerApp {
  const shared = process.env[SHARED];
  if (shared) {
    return { ...layout(shared), cleanup: () => undefined };
  }
  return installConsumerApp();
}

export function installConsumerApp(): ConsumerApp {
  if (!fs.existsSync(path.join(root, 'lib', 'index.js')) || !fs.existsSync(path.join(root, 'assets', 'handler'))) {
    throw new Error("lib/ or assets/ is missing: run 'npx projen build' (or bundle + compile) first");
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'consumer-'));
  const [packed] = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: root, encoding: 'utf8' }),
  );
  fs.renameSync(path.join(work, packed.filename), layout(work).tarball);
  const { appDir, tarball } = layout(work);
  fs.cpSync(path.join(__dirname, 'consumer'), appDir, { recursive: true });
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock', tarball], {
    cwd: appDir,
    stdio: 'pipe',
  });
  return { work, appDir, tarball, cleanup: () => fs.rmSync(work, { recursive: true, force: true }) };
}

function layout(work: string) {
  return { work, appDir: path.join(work, 'app'), tarball: path.join(work, 'package.tgz') };
}

/** Jest global setup of `test:package`: one install for every package test. */
export default function globalSetup(): void {
  process.env[SHARED] = installConsumerApp().work;
}
