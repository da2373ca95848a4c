/** Which endpoints the API serves. */
export enum ResponseMode {
  /**
   * `POST /stream` (and the endpoints of the `protocols` you list): the answer streams as it is generated, for up
   * to 15 minutes.
   */
  STREAMING = 'STREAMING',
  /** `POST /buffered` only: a classic proxy that answers with JSON at the end, within API Gateway's 29 s. */
  BUFFERED = 'BUFFERED',
  /** Both `POST /stream` (with the endpoints of the `protocols` you list) and `POST /buffered`. */
  BOTH = 'BOTH',
}
