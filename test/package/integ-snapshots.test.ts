/**
 * The integration test apps in test/integ synthesize with the packed library and the latest aws-cdk-lib, and their
 * committed snapshots (what integ-runner compares before deploying) are current.
 * UPDATE_INTEG_SNAPSHOTS=1 rewrites the snapshots.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { consumerApp } from './consumer-app';

const integDir = path.join(__dirname, '..', 'integ');
const apps = fs.readdirSync(integDir).filter((f) => /^integ\..+\.js$/.test(f));
/** Modules the apps share (plain .js files beside them). */
const helpers = fs.readdirSync(integDir).filter((f) => f.endsWith('.js') && !apps.includes(f));
let appDir: string;
let cleanup: () => void;

beforeAll(() => {
  const consumer = consumerApp();
  cleanup = consumer.cleanup;
  // A folder of its own in the (maybe shared) consumer app: node resolves the packages from the app's node_modules.
  appDir = path.join(consumer.appDir, 'integ');
  fs.mkdirSync(appDir);
  for (const file of [...apps, ...helpers]) {
    fs.copyFileSync(path.join(integDir, file), path.join(appDir, file));
  }
  // integ.agent-core.js builds the example agent's image: its directory goes beside the apps.
  fs.cpSync(path.join(__dirname, '..', '..', 'examples', 'agent-core', 'agent'), path.join(appDir, 'agent'), {
    recursive: true,
  });
}, 300_000);

afterAll(() => cleanup?.());

/** Templates with asset hashes (every handler build) and assertion salts (a timestamp per synth) blanked. */
function templates(dir: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.template.json'))) {
    result[file] = fs
      .readFileSync(path.join(dir, file), 'utf8')
      .replace(/[0-9a-f]{64}/g, '<asset-hash>')
      .replace(/"salt": "\d+"/g, '"salt": "<salt>"');
  }
  return result;
}

test('there are integration tests', () => {
  expect(apps.sort()).toEqual([
    'integ.agent-core.js',
    'integ.budgets.js',
    'integ.buffered.js',
    'integ.model-features.js',
    'integ.protocols.js',
    'integ.streaming.js',
  ]);
});

test.each(apps)(
  '%s synthesizes and matches its committed snapshot',
  (file) => {
    const out = path.join(appDir, `${file}.out`);
    execFileSync(process.execPath, [file], { cwd: appDir, env: { ...process.env, CDK_OUTDIR: out }, stdio: 'pipe' });
    const actual = templates(out);
    expect(Object.keys(actual).length).toBeGreaterThanOrEqual(2); // the test stack and the assertions stack
    expect(JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8')).artifacts).toBeDefined();
    expect(fs.readdirSync(out).some((f) => f.endsWith('integ.json'))).toBe(true);
    const snapshotDir = path.join(integDir, `${file}.snapshot`);
    if (process.env.UPDATE_INTEG_SNAPSHOTS === '1') {
      fs.rmSync(snapshotDir, { recursive: true, force: true });
      fs.mkdirSync(snapshotDir, { recursive: true });
      for (const f of fs
        .readdirSync(out)
        .filter((name) => name.endsWith('.json') && name !== 'validation-report.json')) {
        fs.copyFileSync(path.join(out, f), path.join(snapshotDir, f));
      }
    }
    expect(templates(snapshotDir)).toEqual(actual);
  },
  120_000,
);
