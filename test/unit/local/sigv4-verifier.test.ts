import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { Sha256 } from '../../../functions/adapters/sha256.ts';
import { createSigV4Verifier, type ReceivedRequest } from '../../../lib/local/sigv4-verifier.ts';

/** SigV4 as an AWS service checks it, against requests signed by the SDK's own signer. */

const credentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' };
const verify = createSigV4Verifier({ credentials, region: 'us-east-1', service: 'execute-api' });
const now = Date.UTC(2026, 5, 1, 12, 0, 0);

const signedRequest = async ({ body = '{"type":"hello"}', signingDate = new Date(now), signer = credentials, region = 'us-east-1' } = {}): Promise<ReceivedRequest> => {
  const signed = await new SignatureV4({ service: 'execute-api', region, credentials: signer, sha256: Sha256 }).sign(
    {
      method: 'POST',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: 3001,
      path: '/@connections/L0SM9cOFvHcCIhw%3D',
      query: {},
      headers: { host: '127.0.0.1:3001', 'content-type': 'application/json' },
      body,
    },
    { signingDate },
  );
  return { method: 'POST', target: '/@connections/L0SM9cOFvHcCIhw%3D', headers: signed.headers, body: Buffer.from(body) };
};

describe('SigV4 verification', () => {
  it('accepts a request signed with the credentials, region and service', async () => {
    expect(await verify(await signedRequest(), now)).toBeUndefined();
  });

  it('refuses an unsigned request as missing its token', async () => {
    const { headers, ...request } = await signedRequest();
    const { authorization: _, ...unsigned } = headers;

    expect(await verify({ ...request, headers: unsigned }, now)).toMatchObject({ errorType: 'MissingAuthenticationTokenException' });
  });

  it('refuses other credentials, another region, a changed body, a changed path, and a stale date', async () => {
    const genuine = await signedRequest();

    const refusals = await Promise.all([
      verify(await signedRequest({ signer: { ...credentials, secretAccessKey: 'guessed' } }), now),
      verify(await signedRequest({ signer: { ...credentials, accessKeyId: 'AKIDOTHER' } }), now),
      verify(await signedRequest({ region: 'eu-west-1' }), now),
      verify({ ...genuine, body: Buffer.from('{"type":"forged"}') }, now),
      verify({ ...genuine, headers: { ...genuine.headers, 'x-amz-content-sha256': undefined }, body: Buffer.from('{"type":"forged"}') }, now),
      verify({ ...genuine, target: '/@connections/another' }, now),
      verify(await signedRequest({ signingDate: new Date(now - 20 * 60 * 1000) }), now),
      verify({ ...genuine, headers: { ...genuine.headers, authorization: 'AWS4-HMAC-SHA256 Credential=nonsense' } }, now),
    ]);

    expect(refusals.map((refusal) => refusal?.errorType)).toEqual([
      'InvalidSignatureException',
      'UnrecognizedClientException',
      'InvalidSignatureException',
      'InvalidSignatureException',
      'InvalidSignatureException',
      'InvalidSignatureException',
      'InvalidSignatureException',
      'IncompleteSignatureException',
    ]);
  });
});
