import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { listeningUrl, loopbackHost } from './address.ts';
import { localRegion } from './aws.ts';
import { closeServer } from './http-gateway.ts';

/** The account fauxqs puts in its ARNs: one fake account for every local stand-in. */
const localAccount = '000000000000';

interface StoredSecret {
  readonly ARN: string;
  readonly Name: string;
  readonly SecretString: string;
  readonly VersionId: string;
  readonly CreatedDate: number;
}

/** The six characters Secrets Manager appends to a secret's name in its ARN. */
const arnSuffix = (): string => randomBytes(6).toString('base64url').slice(0, 6);

/**
 * Secrets Manager's GetSecretValue, for the secrets the local stack holds (the inbox token
 * key). It speaks the SDK's JSON protocol and answers as AWS does, by name or by ARN, so the
 * functions read their secrets through JWT_SECRET_ARN and AWS_ENDPOINT_URL_SECRETS_MANAGER
 * locally exactly as deployed.
 */
export const startSecretsStandIn = async ({ host = loopbackHost, secrets }: { host?: string; secrets: Readonly<Record<string, string>> }) => {
  const createdDate = Date.now() / 1000;
  const stored = Object.entries(secrets).map(
    ([name, value]): StoredSecret => ({
      ARN: `arn:aws:secretsmanager:${localRegion}:${localAccount}:secret:${name}-${arnSuffix()}`,
      Name: name,
      SecretString: value,
      VersionId: randomUUID(),
      CreatedDate: createdDate,
    }),
  );
  const byId = new Map(stored.flatMap((secret) => [[secret.Name, secret] as const, [secret.ARN, secret] as const]));

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const send = (statusCode: number, body: object) => {
        response.writeHead(statusCode, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() }).end(JSON.stringify(body));
      };
      // AWS's JSON error: the type in __type (and x-amzn-ErrorType), the text in Message.
      const fail = (type: string, message: string) => {
        response.setHeader('x-amzn-errortype', type);
        send(400, { __type: type, Message: message });
      };
      if (request.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue') {
        fail('UnknownOperationException', 'only GetSecretValue is available locally');
        return;
      }
      let secretId: unknown;
      try {
        ({ SecretId: secretId } = JSON.parse(Buffer.concat(chunks).toString() || '{}') as { SecretId?: unknown });
      } catch {
        fail('SerializationException', 'the body is not JSON');
        return;
      }
      if (typeof secretId !== 'string' || secretId === '') {
        fail('ValidationException', "1 validation error detected: Value null at 'secretId' failed to satisfy constraint: Member must not be null");
        return;
      }
      const secret = byId.get(secretId);
      if (!secret) {
        fail('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
        return;
      }
      send(200, { ...secret, VersionStages: ['AWSCURRENT'] });
    });
  });
  server.listen(0, host);
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  return {
    endpoint: listeningUrl('http', server),
    /** The secret's ARN, as JWT_SECRET_ARN names it on AWS. */
    arnOf(name: string): string {
      const secret = byId.get(name);
      if (!secret) throw new Error(`the local Secrets Manager holds no secret ${name}`);
      return secret.ARN;
    },
    stop: () => closeServer(server),
  };
};
