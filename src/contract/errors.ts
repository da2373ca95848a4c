/**
 * The error body of every failure the API answers: the handler's errors, API Gateway's own (through the construct's
 * gateway responses) and the local runner's.
 */
export interface ErrorDetail {
  readonly type: string;
  readonly code: string;
  readonly message: string;
  readonly param: string | null;
}

export interface ErrorBody {
  readonly error: ErrorDetail;
  readonly requestId: string;
}

export function errorBody(detail: ErrorDetail, requestId: string): ErrorBody {
  return {
    error: { type: detail.type, code: detail.code, message: detail.message, param: detail.param },
    requestId,
  };
}

/** The `type` of errors raised by API Gateway itself rather than the handler. */
export const GATEWAY_ERROR_TYPE = 'gateway_error';

/** An API Gateway error (auth, throttling, integration failure) in the API's error shape. */
export function gatewayErrorBody(responseType: string, message: string, requestId: string): ErrorBody {
  return errorBody({ type: GATEWAY_ERROR_TYPE, code: responseType, message, param: null }, requestId);
}

/** The gateway responses' mapping template: gatewayErrorBody, filled in by API Gateway. */
export const GATEWAY_ERROR_TEMPLATE =
  `{"error":{"type":"${GATEWAY_ERROR_TYPE}","code":"$context.error.responseType",` +
  '"message":$context.error.messageString,"param":null},"requestId":"$context.requestId"}';
