/**
 * With `--bedrock`, whether the AWS SDK's default credential chain finds credentials, checked once at start: without
 * them every request would fail with 502 upstream_misconfigured, and the runner would not say why.
 */
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';

/** Long enough for profiles, SSO and web identity; an instance role lookup (IMDS) that hangs is not waited for. */
export const CREDENTIALS_TIMEOUT_MS = 5_000;

export type CredentialsCheck = 'found' | 'none' | 'timed out';

/** Resolves the credentials the handler's Bedrock client will use, as the handler's SDK does. */
export async function checkCredentials(region: string, timeoutMs = CREDENTIALS_TIMEOUT_MS): Promise<CredentialsCheck> {
  const client = new BedrockRuntimeClient({ region });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CredentialsCheck>((resolve) => {
    timer = setTimeout(() => resolve('timed out'), timeoutMs);
  });
  const lookup = client.config.credentials().then(
    (): CredentialsCheck => 'found',
    (): CredentialsCheck => 'none',
  );
  try {
    return await Promise.race([lookup, timeout]);
  } finally {
    clearTimeout(timer);
    client.destroy();
  }
}

/** The start banner's line for a check's result. */
export function credentialsLine(check: CredentialsCheck): string {
  switch (check) {
    case 'found':
      return "Credentials: found by the AWS SDK's default chain";
    case 'timed out':
      return (
        `Credentials: still looking after ${CREDENTIALS_TIMEOUT_MS / 1000} s (an instance role lookup?); ` +
        'if none is found, every request gets 502 upstream_misconfigured. ' +
        HOW_TO_PROVIDE
      );
    case 'none':
      return (
        "Credentials: none found by the AWS SDK's default chain (environment, shared config and credentials files, " +
        'SSO, web identity, container or instance role): every request will get 502 upstream_misconfigured. ' +
        HOW_TO_PROVIDE
      );
  }
}

const HOW_TO_PROVIDE =
  'Provide them, then restart: AWS_PROFILE=<profile> (after `aws sso login` or `aws configure`), or ' +
  'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN).';
