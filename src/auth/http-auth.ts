import type { NextFunction, Request, Response } from 'express';
import { AuthError, AuthErrorCode } from './auth-error';
import type { Principal } from './principal';
import type { TokenVerifier } from './token-verifier';

/** The token of an `Authorization: Bearer …` header (RFC 6750); undefined when there is none. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = header?.match(/^Bearer +([^\s]+) *$/i);
  return match?.[1];
}

/** The token a graphql-ws client put in `connection_init`: `{ authorization: 'Bearer …' }` or `{ token }`. */
export function connectionParamsToken(params: Readonly<Record<string, unknown>> | undefined): string | undefined {
  if (!params) return undefined;
  const authorization = params.authorization ?? params.Authorization;
  if (typeof authorization === 'string') return bearerToken(authorization) ?? authorization;
  return typeof params.token === 'string' ? params.token : undefined;
}

/** Answers 401 with the code, and the `WWW-Authenticate` challenge RFC 6750 asks for. */
export function sendAuthError(res: Response, error: AuthError): void {
  const challenge =
    error.code === AuthErrorCode.Missing
      ? 'Bearer realm="profile-hub"'
      : `Bearer realm="profile-hub", error="invalid_token", error_description="${error.code}"`;
  res
    .status(401)
    .setHeader('www-authenticate', challenge)
    .json({ errors: [{ message: error.message, extensions: { code: error.code } }] });
}

/** Answers 403: authenticated, but the token lacks the scope this needs. */
export function sendForbidden(res: Response, scope: string): void {
  res
    .status(403)
    .setHeader('www-authenticate', `Bearer realm="profile-hub", error="insufficient_scope", scope="${scope}"`)
    .json({ errors: [{ message: `this needs the "${scope}" scope`, extensions: { code: 'FORBIDDEN', scope } }] });
}

/**
 * Express middleware: verifies the bearer token and puts the caller in `res.locals.principal`; anything else is
 * answered with 401 and never reaches the handler.
 */
export function requireBearerToken(verifier: TokenVerifier) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const token = bearerToken(req.get('authorization'));
    if (!token) {
      return sendAuthError(res, new AuthError(AuthErrorCode.Missing, 'send an access token: Authorization: Bearer …'));
    }
    let principal: Principal;
    try {
      principal = await verifier.verify(token);
    } catch (error) {
      if (error instanceof AuthError) return sendAuthError(res, error);
      return next(error);
    }
    res.locals.principal = principal;
    next();
  };
}
