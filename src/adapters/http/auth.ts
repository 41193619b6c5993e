import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from './error-mapper.js';

export type ApiScope = 'read' | 'write';

/** One configured API token (config `api.tokens`); the value is never logged or shown. */
export interface HttpApiToken {
  readonly name: string;
  readonly token: string;
  readonly scopes: readonly ApiScope[];
}

/** Who a request authenticated as: the token's name and scopes, never its value. */
export interface ApiClient {
  readonly name: string;
  readonly scopes: readonly ApiScope[];
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth hook when a valid token was presented; null when auth is off or not yet run. */
    apiClient: ApiClient | null;
  }
  interface FastifyContextConfig {
    /** The scope a route needs when auth is on (default `read`). */
    scope?: ApiScope;
  }
}

/** Verifies bearer tokens: the seam the UI uses to authenticate its own pages. */
export interface TokenVerifier {
  /** False when no tokens are configured: every request is allowed. */
  readonly enabled: boolean;
  /** The client for an `Authorization` header value, or null when it is missing or unknown. */
  verify(authorization: string | undefined): ApiClient | null;
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Compares in constant time: both sides are hashed to 32 bytes (so lengths never differ) and every
 * configured token is compared, whether or not an earlier one matched.
 */
export function makeTokenVerifier(tokens: readonly HttpApiToken[]): TokenVerifier {
  const known = tokens.map((t) => ({
    digest: sha256(t.token),
    client: { name: t.name, scopes: [...t.scopes] },
  }));
  return {
    enabled: known.length > 0,
    verify(authorization) {
      const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? '');
      if (!match) return null;
      const presented = sha256(match[1]!);
      let found: ApiClient | null = null;
      for (const k of known) {
        if (timingSafeEqual(k.digest, presented) && found === null) found = k.client;
      }
      return found;
    },
  };
}

/**
 * An `onRequest` hook for a group of routes: off when no tokens are configured; otherwise a missing or
 * unknown token is 401 and a token without the route's scope (`config.scope`, default read) is 403.
 */
export function makeAuthHook(verifier: TokenVerifier) {
  return async function authenticate(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    if (!verifier.enabled) return;
    const client = verifier.verify(request.headers.authorization);
    if (client === null) {
      const given = request.headers.authorization === undefined ? 'No' : 'An unknown or malformed';
      throw new HttpError('unauthorized', `${given} API token: send Authorization: Bearer <token>`);
    }
    request.apiClient = client;
    const scope = request.routeOptions.config.scope ?? 'read';
    if (!client.scopes.includes(scope)) {
      throw new HttpError('forbidden', `Token "${client.name}" lacks the "${scope}" scope this route needs`);
    }
  };
}
