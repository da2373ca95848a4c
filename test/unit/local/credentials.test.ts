import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkCredentials, credentialsLine } from '../../../src/local/credentials';

/** An environment where the SDK's default chain can find nothing: no variables, no files, no instance metadata. */
function withoutCredentials(extra: Record<string, string> = {}): () => void {
  const saved = { ...process.env };
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'credentials-'));
  for (const key of Object.keys(process.env).filter((k) => k.startsWith('AWS_'))) {
    delete process.env[key];
  }
  Object.assign(process.env, {
    HOME: home,
    AWS_CONFIG_FILE: path.join(home, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...extra,
  });
  return () => {
    process.env = saved;
    fs.rmSync(home, { recursive: true, force: true });
  };
}

test('finds credentials in the environment, as the handler SDK would', async () => {
  const restore = withoutCredentials({ AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' });
  try {
    expect(await checkCredentials('us-east-1')).toBe('found');
  } finally {
    restore();
  }
});

test('finds a profile in the shared credentials file', async () => {
  const restore = withoutCredentials({ AWS_PROFILE: 'dev' });
  try {
    fs.writeFileSync(
      process.env.AWS_SHARED_CREDENTIALS_FILE!,
      '[dev]\naws_access_key_id = AKIA1\naws_secret_access_key = s\n',
    );
    expect(await checkCredentials('us-east-1')).toBe('found');
  } finally {
    restore();
  }
});

test('reports none when the default chain finds nothing', async () => {
  const restore = withoutCredentials();
  try {
    expect(await checkCredentials('us-east-1')).toBe('none');
  } finally {
    restore();
  }
});

test('the banner line for none says what fails and how to provide credentials', () => {
  expect(credentialsLine('none')).toMatch(/^Credentials: none found .* 502 upstream_misconfigured\. Provide them/);
  expect(credentialsLine('found')).toBe("Credentials: found by the AWS SDK's default chain");
  expect(credentialsLine('timed out')).toMatch(/^Credentials: still looking after 5 s/);
});
