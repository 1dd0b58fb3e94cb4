/**
 * Why a request was not authenticated. Each is answered with HTTP 401 (`WWW-Authenticate: Bearer …`) or, over
 * WebSocket, by closing the socket with 4403; the code is stable and safe to show.
 */
export const AuthErrorCode = {
  Missing: 'TOKEN_MISSING',
  Malformed: 'TOKEN_MALFORMED',
  AlgorithmNotAllowed: 'TOKEN_ALGORITHM_NOT_ALLOWED',
  SignatureInvalid: 'TOKEN_SIGNATURE_INVALID',
  KeyUnknown: 'TOKEN_KEY_UNKNOWN',
  Expired: 'TOKEN_EXPIRED',
  NotYetValid: 'TOKEN_NOT_YET_VALID',
  ExpiryMissing: 'TOKEN_EXPIRY_MISSING',
  IssuerInvalid: 'TOKEN_ISSUER_INVALID',
  AudienceInvalid: 'TOKEN_AUDIENCE_INVALID',
  ClaimInvalid: 'TOKEN_CLAIM_INVALID',
  IssuerUnavailable: 'AUTH_ISSUER_UNAVAILABLE',
} as const;
export type AuthErrorCode = (typeof AuthErrorCode)[keyof typeof AuthErrorCode];

export class AuthError extends Error {
  constructor(
    readonly code: AuthErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AuthError';
  }
}
