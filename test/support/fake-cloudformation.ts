/**
 * A local CloudFormation endpoint that answers ListStackResources in the service's own protocol (AWS query: a form
 * body in, XML out; errors as an `ErrorResponse`), for the real @aws-sdk/client-cloudformation through
 * AWS_ENDPOINT_URL_CLOUDFORMATION. It pages its answers (`NextToken`) so that a client reading only the first page
 * misses resources, and it refuses unsigned requests as CloudFormation would.
 */
import * as http from 'http';
import type { AddressInfo } from 'net';

export interface FakeResource {
  readonly logicalId: string;
  readonly physicalId: string;
  readonly type: string;
}

const XMLNS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';

export class FakeCloudFormation {
  /** Every request's form fields and its Authorization header, in order. */
  public readonly requests: Array<{ readonly form: Record<string, string>; readonly authorization?: string }> = [];
  private server?: http.Server;

  /** `stacks`: resources by stack name; `pageSize`: members per ListStackResources page. */
  constructor(
    private readonly stacks: Record<string, readonly FakeResource[]>,
    private readonly pageSize = 2,
  ) {}

  public get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  public async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        const form = Object.fromEntries(new URLSearchParams(body));
        this.requests.push({ form, authorization: req.headers.authorization });
        const [status, xml] = this.answer(form, req.headers.authorization);
        res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': 'fake-request-id' });
        res.end(xml);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  public async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  private answer(form: Record<string, string>, authorization: string | undefined): [number, string] {
    if (!/^AWS4-HMAC-SHA256 Credential=\S+\/cloudformation\/aws4_request/.test(authorization ?? '')) {
      return error(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token');
    }
    if (form.Action !== 'ListStackResources' || form.Version !== '2010-05-15') {
      return error(400, 'InvalidAction', `Could not find operation ${form.Action}`);
    }
    const resources = this.stacks[form.StackName];
    if (!resources) {
      return error(400, 'ValidationError', `Stack with id ${form.StackName} does not exist`);
    }
    const from = Number(form.NextToken ?? 0);
    const page = resources.slice(from, from + this.pageSize);
    const next = from + this.pageSize < resources.length ? `<NextToken>${from + this.pageSize}</NextToken>` : '';
    const members = page
      .map(
        (r) =>
          `<member><LogicalResourceId>${r.logicalId}</LogicalResourceId><PhysicalResourceId>${r.physicalId}` +
          `</PhysicalResourceId><ResourceType>${r.type}</ResourceType><LastUpdatedTimestamp>2026-12-01T00:00:00.000Z` +
          '</LastUpdatedTimestamp><ResourceStatus>CREATE_COMPLETE</ResourceStatus></member>',
      )
      .join('');
    return [
      200,
      `<ListStackResourcesResponse xmlns="${XMLNS}"><ListStackResourcesResult><StackResourceSummaries>${members}` +
        `</StackResourceSummaries>${next}</ListStackResourcesResult><ResponseMetadata><RequestId>fake-request-id` +
        '</RequestId></ResponseMetadata></ListStackResourcesResponse>',
    ];
  }
}

function error(status: number, code: string, message: string): [number, string] {
  return [
    status,
    `<ErrorResponse xmlns="${XMLNS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message>` +
      '</Error><RequestId>fake-request-id</RequestId></ErrorResponse>',
  ];
}
