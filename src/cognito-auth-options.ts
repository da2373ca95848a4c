/**
 * Options for {@link ApiAuth.cognito}.
 */
export interface CognitoAuthOptions {
  /**
   * OAuth scopes the access token must carry. When set, callers must send an access token; otherwise an ID token.
   *
   * @default - no scopes: any valid ID token from the user pools is accepted
   */
  readonly authorizationScopes?: string[];
}
