import { callerOf, type CallerContext } from '../../../src/handler/caller';

/** The identity API Gateway sends with every proxy event: fields the method's auth did not fill are null. */
function identity(fields: Partial<NonNullable<CallerContext['identity']>> = {}): CallerContext['identity'] {
  return {
    accessKey: null,
    accountId: null,
    apiKey: null,
    apiKeyId: null,
    caller: null,
    cognitoAuthenticationProvider: null,
    cognitoAuthenticationType: null,
    cognitoIdentityId: null,
    cognitoIdentityPoolId: null,
    principalOrgId: null,
    sourceIp: '203.0.113.7',
    user: null,
    userAgent: 'curl/8.5.0',
    userArn: null,
    ...fields,
  };
}

const ROLE_ARN = 'arn:aws:sts::111122223333:assumed-role/ChatClient/session-1';
const IAM = { accessKey: 'ASIAEXAMPLE', accountId: '111122223333', caller: 'AROAEXAMPLE:session-1', userArn: ROLE_ARN };
const API_KEY = { apiKey: 'the-secret-key-value', apiKeyId: 'k1a2b3c4d5' };
const COGNITO = { claims: { sub: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111', email: 'ana@example.com', token_use: 'id' } };
const LAMBDA_AUTHORIZER = { principalId: 'tenant-42|user-7', tier: 'gold', integrationLatency: 12 };

describe('the caller of each auth mode', () => {
  test('IAM: the signed-in user or role ARN', () => {
    expect(callerOf({ identity: identity(IAM), authorizer: null })).toEqual({ type: 'iam', id: ROLE_ARN });
  });

  test('API key: the key id, never the key itself', () => {
    const caller = callerOf({ identity: identity(API_KEY), authorizer: null });
    expect(caller).toEqual({ type: 'apiKey', id: 'k1a2b3c4d5' });
    expect(JSON.stringify(caller)).not.toContain('the-secret-key-value');
  });

  test("Cognito user pools: the token's sub claim", () => {
    expect(callerOf({ identity: identity(), authorizer: COGNITO })).toEqual({
      type: 'cognito',
      id: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111',
    });
  });

  test("Lambda authorizer: the principalId the authorizer returned, not its context's values", () => {
    expect(callerOf({ identity: identity(), authorizer: LAMBDA_AUTHORIZER })).toEqual({
      type: 'lambdaAuthorizer',
      id: 'tenant-42|user-7',
    });
  });

  test('none: the source IP', () => {
    expect(callerOf({ identity: identity(), authorizer: null })).toEqual({ type: 'ip', id: '203.0.113.7' });
  });
});

describe('precedence when several identities are present', () => {
  test.each([
    ['IAM over an API key', { identity: identity({ ...IAM, ...API_KEY }) }, 'iam'],
    ['Cognito over an API key', { identity: identity(API_KEY), authorizer: COGNITO }, 'cognito'],
    [
      'a Lambda authorizer over an API key',
      { identity: identity(API_KEY), authorizer: LAMBDA_AUTHORIZER },
      'lambdaAuthorizer',
    ],
    ['an API key over the source IP', { identity: identity(API_KEY) }, 'apiKey'],
  ])('%s', (_name, context, type) => {
    expect(callerOf(context).type).toBe(type);
  });
});

describe('what does not identify a caller', () => {
  test('empty strings count as absent', () => {
    const context = { identity: identity({ userArn: '', apiKeyId: '' }), authorizer: { principalId: '' } };
    expect(callerOf(context)).toEqual({ type: 'ip', id: '203.0.113.7' });
  });

  test('a claims value that is not the Cognito claims object (a Lambda authorizer context is flat)', () => {
    const context = { identity: identity(), authorizer: { principalId: 'user-7', claims: 'sub' } };
    expect(callerOf(context)).toEqual({ type: 'lambdaAuthorizer', id: 'user-7' });
  });

  test('an event without any identity is the IP "unknown", so no request goes unnamed', () => {
    expect(callerOf(undefined)).toEqual({ type: 'ip', id: 'unknown' });
    expect(callerOf({ identity: null, authorizer: null })).toEqual({ type: 'ip', id: 'unknown' });
  });
});
