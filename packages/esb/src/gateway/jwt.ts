import { StagesError } from '@stages/common';
import type { Identity } from './route.js';

export interface JwtOptions {
  /** HS256/384/512 shared secret. */
  secret?: string;
  /** PEM public key (SPKI) for RS*, ES*, PS* or EdDSA tokens; give `algorithms` too. */
  publicKey?: string;
  /** JWKS endpoint (keys are fetched and cached by jose, rotated by `kid`). Loopback or your IdP. */
  jwksUrl?: string;
  /** Accepted algorithms. Default: ['HS256'] with a secret, ['RS256'] otherwise. */
  algorithms?: readonly string[];
  /** Required `iss`. */
  issuer?: string | readonly string[];
  /** Required `aud`. */
  audience?: string | readonly string[];
  /** Leeway for exp/nbf. Default 5 s. */
  clockToleranceSec?: number;
  /** The claim naming the caller. Default `sub`. */
  subjectClaim?: string;
}

type Key = Parameters<typeof import('jose').jwtVerify>[1];

/**
 * Verifies bearer tokens with jose: signature, `exp`/`nbf`, and `iss`/`aud` when configured. Every failure is
 * UNAUTHENTICATED with a short reason (never the token).
 */
export class JwtVerifier {
  readonly #options: JwtOptions;
  #key: Promise<Key> | undefined;

  constructor(options: JwtOptions) {
    const sources = [options.secret, options.publicKey, options.jwksUrl].filter((v) => v !== undefined);
    if (sources.length !== 1) {
      throw new StagesError('CONFIG_INVALID', 'jwt: give exactly one of secret, publicKey, jwksUrl', {
        details: { field: 'jwt' },
      });
    }
    this.#options = options;
  }

  #resolveKey(): Promise<Key> {
    this.#key ??= (async () => {
      const jose = await import('jose');
      const o = this.#options;
      if (o.secret !== undefined) return new TextEncoder().encode(o.secret);
      if (o.jwksUrl !== undefined) return jose.createRemoteJWKSet(new URL(o.jwksUrl)) as unknown as Key;
      return jose.importSPKI(o.publicKey!, o.algorithms?.[0] ?? 'RS256');
    })();
    return this.#key;
  }

  async verify(token: string): Promise<Identity> {
    const jose = await import('jose');
    const o = this.#options;
    try {
      const { payload } = await jose.jwtVerify(
        token,
        (await this.#resolveKey()) as Parameters<typeof jose.jwtVerify>[1] & Uint8Array,
        {
          algorithms: [...(o.algorithms ?? [o.secret !== undefined ? 'HS256' : 'RS256'])],
          clockTolerance: o.clockToleranceSec ?? 5,
          ...(o.issuer === undefined ? {} : { issuer: o.issuer as string | string[] }),
          ...(o.audience === undefined ? {} : { audience: o.audience as string | string[] }),
        },
      );
      const subject = payload[o.subjectClaim ?? 'sub'];
      if (typeof subject !== 'string' || subject === '') {
        throw new StagesError('UNAUTHENTICATED', `token has no ${o.subjectClaim ?? 'sub'} claim`);
      }
      return { subject, claims: payload };
    } catch (error) {
      if (StagesError.is(error)) throw error;
      const code = (error as { code?: string }).code ?? 'ERR_JWT_INVALID';
      throw new StagesError('UNAUTHENTICATED', reason(code), { details: { reason: code } });
    }
  }
}

function reason(code: string): string {
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return 'token expired';
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'token signature is invalid';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return 'token claims are not accepted (issuer, audience or not-before)';
    default:
      return 'token is invalid';
  }
}

/** The token of an `Authorization: Bearer ...` header, or undefined. */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const match = value === undefined ? null : /^Bearer\s+(\S+)$/i.exec(value);
  return match?.[1];
}
