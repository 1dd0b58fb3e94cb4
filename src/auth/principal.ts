/**
 * Scopes the hub knows (least privilege: none implies another). `ingest:<source>` is one scope per source key,
 * e.g. `ingest:hubspot`; a token may carry several.
 */
export const Scope = {
  /** Read profiles, segments, the change feed (PII masked without `pii:read`). */
  ProfilesRead: 'profiles:read',
  /** See email, phone, names, birth date and address unmasked. Every such read is audited. */
  PiiRead: 'pii:read',
  /** Merge candidates, conflicts, merges, unmerges, pins. */
  Steward: 'steward',
  /** Define and delete segments. */
  SegmentsWrite: 'segments:write',
  /** Record consent statements. */
  ConsentsWrite: 'consents:write',
  /** Erase a person. */
  PrivacyErase: 'privacy:erase',
  /** Export everything held about a person (a data-subject access request). */
  PrivacyExport: 'privacy:export',
  /** Dead letters, webhook subscriptions, the audit log. */
  Admin: 'admin',
} as const;
export type Scope = (typeof Scope)[keyof typeof Scope];

/** Grants ingestion as every source (a bulk loader's token); prefer `ingest:<source>`. */
export const INGEST_ANY_SOURCE = 'ingest:*';

/** The scope that lets a caller ingest records as `source`. */
export function ingestScope(source: string): string {
  return `ingest:${source}`;
}

/** Who is calling: from a verified access token, or the process itself (CLI, jobs). */
export interface Principal {
  /** Token `sub` (client id for client-credentials tokens); `cli` or `system` for the process itself. */
  subject: string;
  /** OAuth client id (`client_id` / `azp`) when the token names one. */
  clientId?: string;
  scopes: ReadonlySet<string>;
  /** When the token expires; undefined for the process itself. */
  expiresAt?: Date;
  /** The token's `jti`, for the audit trail. */
  tokenId?: string;
}

/** The process itself (CLI commands, schedulers, the broker consumer): every scope. */
export const SYSTEM_PRINCIPAL: Principal = { subject: 'system', scopes: new Set(['*']) };

export function hasScope(principal: Principal | undefined, scope: string): boolean {
  if (!principal) return false;
  if (principal.scopes.has(scope) || principal.scopes.has('*')) return true;
  return scope.startsWith('ingest:') && principal.scopes.has(INGEST_ANY_SOURCE);
}
