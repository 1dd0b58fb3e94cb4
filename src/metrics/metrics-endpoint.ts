import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { AuthError, AuthErrorCode } from '../auth/auth-error';
import { bearerToken, sendAuthError, sendForbidden } from '../auth/http-auth';
import { hasScope, Scope } from '../auth/principal';
import type { TokenVerifier } from '../auth/token-verifier';
import type { HubMetrics } from './hub-metrics';

/** Compares two secrets in constant time, whatever their lengths. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * `GET /metrics`: the Prometheus text exposition. Never open: the caller sends `Authorization: Bearer <token>`
 * with either `METRICS_TOKEN` (a static secret for the scraper, when set) or an access token with the `admin`
 * scope. Refusals are the hub's usual coded 401 / 403.
 *
 * @example Prometheus: `authorization: { credentials_file: /etc/prometheus/profile-hub-token }`
 */
export function metricsEndpoint(metrics: HubMetrics, verifier: TokenVerifier, metricsToken: string | undefined) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const token = bearerToken(req.get('authorization'));
    if (!token) {
      return sendAuthError(
        res,
        new AuthError(AuthErrorCode.Missing, 'send METRICS_TOKEN or an admin access token: Authorization: Bearer …'),
      );
    }
    if (!(metricsToken && sameSecret(token, metricsToken))) {
      try {
        const principal = await verifier.verify(token);
        if (!hasScope(principal, Scope.Admin)) return sendForbidden(res, Scope.Admin);
      } catch (error) {
        if (error instanceof AuthError) return sendAuthError(res, error);
        return next(error);
      }
    }
    try {
      const text = await metrics.scrape();
      res.status(200).setHeader('content-type', metrics.contentType).setHeader('cache-control', 'no-store').send(text);
    } catch (error) {
      next(error);
    }
  };
}
