import { Annotations, Names } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { ApiKeyAuthOptions } from './api-key-auth-options';
import { CognitoAuthOptions } from './cognito-auth-options';
import { ManagedKeysOptions } from './managed-keys-options';
import { keyCacheTtlMs, keyTable } from './private/key-table';
import { NagAcknowledgment } from './private/nag-acknowledgments';

/**
 * What an {@link ApiAuth} gives the API when bound to it.
 *
 * @internal
 */
export interface ApiAuthBinding {
  /** Method options applied to every non-OPTIONS method of the API. */
  readonly methodOptions: apigateway.MethodOptions;
  /** The usage plan created for API keys, if any. */
  readonly usagePlan?: apigateway.IUsagePlan;
  /** The API key created, if any. */
  readonly apiKey?: apigateway.IApiKey;
  /** cdk-nag findings this mode makes unavoidable, with the reason. */
  readonly acknowledgments: NagAcknowledgment[];
  /** With managed keys: the key table and the handler's lookup cache TTL, for the default handler. */
  readonly managedKeys?: { readonly table: dynamodb.ITable; readonly cacheTtlMs: number };
}

/** Every mode but Cognito trips AwsSolutions-COG4 (methods without a Cognito authorizer): by choice. */
function notCognito(reason: string): NagAcknowledgment {
  return { id: 'AwsSolutions-COG4', reason };
}

/**
 * How callers authenticate to the API. IAM (SigV4) is the default; every mode is an explicit choice.
 *
 * @example
 * declare const userPool: cognito.IUserPool;
 * ApiAuth.cognito([userPool]);
 */
export abstract class ApiAuth {
  /**
   * Callers sign requests with SigV4 and need `execute-api:Invoke` on the method (grant it with
   * `StreamingBedrockApi.grantInvoke`). The default.
   */
  public static iam(): ApiAuth {
    return new IamAuth();
  }

  /**
   * Callers send an `x-api-key` header. A usage plan with throttling (and an optional quota) is attached to the stage,
   * so keys cannot bypass rate limits.
   */
  public static apiKey(options: ApiKeyAuthOptions = {}): ApiAuth {
    return new ApiKeyAuth(options);
  }

  /**
   * Callers send a JWT from one of these Cognito user pools in the `Authorization` header.
   */
  public static cognito(userPools: cognito.IUserPool[], options: CognitoAuthOptions = {}): ApiAuth {
    return new CognitoAuth(userPools, options);
  }

  /**
   * Callers are authorized by your own Lambda authorizer (`TokenAuthorizer` or `RequestAuthorizer`).
   */
  public static lambdaAuthorizer(authorizer: apigateway.IAuthorizer): ApiAuth {
    return new LambdaAuthorizerAuth(authorizer);
  }

  /**
   * Keys the API issues itself, one per person or service, sent as `Authorization: Bearer <key>` or `x-api-key`.
   * The default handler checks each request's key (stored only as its SHA-256, in a DynamoDB table) before any model
   * call; API Gateway lets requests through to it (authorization NONE). Issue, list and revoke keys with
   * `npx cdk-streaming-bedrock-api keys`. Needs the default handler.
   */
  public static managedKeys(options: ManagedKeysOptions = {}): ApiAuth {
    return new ManagedKeysAuth(options);
  }

  /**
   * No authentication: anyone who knows the URL can spend your Bedrock budget. Only throttling limits the cost.
   * The reason is required, shown in the synth warning and used as the cdk-nag acknowledgment reason.
   *
   * @param reason why a public endpoint is acceptable here (for example "public demo behind WAF rate rules")
   */
  public static none(reason: string): ApiAuth {
    return new NoAuth(reason);
  }

  /**
   * Applies the mode to the API. Called once by the construct, after the stage exists.
   *
   * @internal
   */
  public abstract _bind(
    scope: Construct,
    api: apigateway.RestApi,
    stageThrottle: apigateway.ThrottleSettings,
    subject?: string,
  ): ApiAuthBinding;
}

class IamAuth extends ApiAuth {
  public _bind(): ApiAuthBinding {
    return {
      methodOptions: { authorizationType: apigateway.AuthorizationType.IAM },
      acknowledgments: [notCognito('Callers authenticate with IAM (SigV4): ApiAuth.iam() was chosen.')],
    };
  }
}

class ApiKeyAuth extends ApiAuth {
  constructor(private readonly options: ApiKeyAuthOptions) {
    super();
  }

  public _bind(scope: Construct, api: apigateway.RestApi, stageThrottle: apigateway.ThrottleSettings): ApiAuthBinding {
    const stage = api.deploymentStage;
    const usagePlan = api.addUsagePlan('UsagePlan', {
      name: Names.uniqueResourceName(scope, { maxLength: 64, separator: '-' }),
      description: 'Throttles and meters the API keys of this streaming Bedrock API.',
      throttle: this.options.throttle ?? stageThrottle,
      quota: this.options.quota,
      apiStages: [{ api, stage }],
    });
    let apiKey: apigateway.IApiKey | undefined;
    if (this.options.createApiKey ?? true) {
      apiKey = api.addApiKey('ApiKey', { description: 'API key for the streaming Bedrock API.' });
      usagePlan.addApiKey(apiKey);
    }
    return {
      methodOptions: { apiKeyRequired: true },
      usagePlan,
      apiKey,
      acknowledgments: [
        notCognito('Callers authenticate with API keys metered by a usage plan: ApiAuth.apiKey() was chosen.'),
        {
          id: 'AwsSolutions-APIG4',
          reason:
            'Methods require an API key (apiKeyRequired) and a usage plan throttles each key: ApiAuth.apiKey() was chosen.',
        },
      ],
    };
  }
}

class CognitoAuth extends ApiAuth {
  constructor(
    private readonly userPools: cognito.IUserPool[],
    private readonly options: CognitoAuthOptions,
  ) {
    super();
    if (userPools.length === 0) {
      throw new Error('ApiAuth.cognito(userPools): userPools is empty. Pass at least one user pool.');
    }
  }

  public _bind(scope: Construct): ApiAuthBinding {
    const authorizer = new apigateway.CognitoUserPoolsAuthorizer(scope, 'CognitoAuthorizer', {
      cognitoUserPools: this.userPools,
    });
    return {
      methodOptions: {
        authorizationType: apigateway.AuthorizationType.COGNITO,
        authorizer,
        authorizationScopes: this.options.authorizationScopes,
      },
      acknowledgments: [],
    };
  }
}

class LambdaAuthorizerAuth extends ApiAuth {
  constructor(private readonly authorizer: apigateway.IAuthorizer) {
    super();
  }

  public _bind(): ApiAuthBinding {
    return {
      methodOptions: {
        authorizationType: this.authorizer.authorizationType ?? apigateway.AuthorizationType.CUSTOM,
        authorizer: this.authorizer,
      },
      acknowledgments: [
        notCognito('Callers are authorized by a Lambda authorizer: ApiAuth.lambdaAuthorizer() was chosen.'),
      ],
    };
  }
}

class NoAuth extends ApiAuth {
  constructor(public readonly reason: string) {
    super();
    if (typeof reason !== 'string' || reason.trim() === '') {
      throw new Error(
        `ApiAuth.none(reason): reason is ${JSON.stringify(reason)}. A public endpoint is an explicit choice: ` +
          "pass why it is acceptable, e.g. ApiAuth.none('public demo, protected by WAF rate rules'), or use ApiAuth.iam().",
      );
    }
  }

  public _bind(scope: Construct): ApiAuthBinding {
    Annotations.of(scope).addWarningV2(
      'cdk-streaming-bedrock-api:publicApi',
      `ApiAuth.none(): the API is public; anyone with the URL can spend your Bedrock budget. Reason given: ${this.reason}`,
    );
    const reason = `Public API chosen with ApiAuth.none(): ${this.reason}`;
    return {
      methodOptions: { authorizationType: apigateway.AuthorizationType.NONE },
      acknowledgments: [notCognito(reason), { id: 'AwsSolutions-APIG4', reason }],
    };
  }
}

/** Why the methods have no API Gateway authorizer with managed keys. */
const MANAGED_KEYS_REASON =
  'Managed keys are checked by the handler before any model call: ApiAuth.managedKeys() was chosen.';

class ManagedKeysAuth extends ApiAuth {
  constructor(private readonly options: ManagedKeysOptions) {
    super();
  }

  public _bind(
    scope: Construct,
    _api: apigateway.RestApi,
    _throttle: apigateway.ThrottleSettings,
    subject: string = scope.node.path,
  ): ApiAuthBinding {
    return {
      methodOptions: { authorizationType: apigateway.AuthorizationType.NONE },
      acknowledgments: [notCognito(MANAGED_KEYS_REASON), { id: 'AwsSolutions-APIG4', reason: MANAGED_KEYS_REASON }],
      managedKeys: {
        table: this.options.table ?? keyTable(scope),
        cacheTtlMs: keyCacheTtlMs(subject, this.options.cacheTtl),
      },
    };
  }
}
