import { createServer } from 'node:http';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JwtVerifier } from '../../src/index.js';

// Asymmetric keys: a PEM public key, and a JWKS served over loopback HTTP (as an identity provider would).
describe('JwtVerifier with public keys', () => {
  let keys: Awaited<ReturnType<typeof generateKeyPair>>;
  let other: Awaited<ReturnType<typeof generateKeyPair>>;
  let jwksUrl: string;
  const server = createServer();
  let fetches = 0;

  const sign = (key: Parameters<SignJWT['sign']>[0], kid?: string) =>
    new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', ...(kid ? { kid } : {}) })
      .setSubject('svc-billing')
      .setIssuer('idp')
      .setExpirationTime('1m')
      .sign(key);

  beforeAll(async () => {
    keys = await generateKeyPair('ES256');
    other = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    server.on('request', (_req, res) => {
      fetches++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const address = server.address() as { port: number };
    jwksUrl = `http://127.0.0.1:${address.port}/.well-known/jwks.json`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it('verifies ES256 tokens against a PEM public key and refuses other signers', async () => {
    const v = new JwtVerifier({ publicKey: await exportSPKI(keys.publicKey), algorithms: ['ES256'], issuer: 'idp' });
    expect(await v.verify(await sign(keys.privateKey))).toMatchObject({ subject: 'svc-billing' });
    await expect(v.verify(await sign(other.privateKey))).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
      message: 'token signature is invalid',
    });
  });

  it('verifies against a JWKS endpoint by kid, fetching the key set once', async () => {
    const v = new JwtVerifier({ jwksUrl, algorithms: ['ES256'], issuer: 'idp' });
    expect(await v.verify(await sign(keys.privateKey, 'k1'))).toMatchObject({ subject: 'svc-billing' });
    expect(await v.verify(await sign(keys.privateKey, 'k1'))).toMatchObject({ subject: 'svc-billing' });
    expect(fetches).toBe(1);
    await expect(v.verify(await sign(other.privateKey, 'k1'))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});
