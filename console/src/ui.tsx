import type { ReactNode } from 'react';
import type { ApiError } from './api';

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status">
      Loading {what}…
    </p>
  );
}

export function ErrorBox({ error, retry }: { error: ApiError; retry?: () => void }) {
  const hint =
    error.code === 'FORBIDDEN'
      ? 'Your token lacks the scope this needs. Ask for a token with it (dev mode: profile-hub token --scopes …).'
      : error.code === 'NETWORK'
        ? 'Check that the hub is running and reachable.'
        : undefined;
  return (
    <div className="error" role="alert">
      <strong>{error.code}</strong> {error.message}
      {hint && <p>{hint}</p>}
      {retry && (
        <button type="button" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>;
}

/** A value as stored: text, an address object, or empty. Masked values are shown as they come. */
export function Value({ value }: { value: unknown }) {
  if (value === null || value === undefined || value === '') return <span className="muted">—</span>;
  if (typeof value === 'object') {
    const parts = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== null && v !== '');
    return <span>{parts.map(([, v]) => String(v)).join(', ')}</span>;
  }
  const text = String(value);
  return text.startsWith('masked:') ? (
    <span className="masked" title="masked: your token has no pii:read">
      {text}
    </span>
  ) : (
    <span>{text}</span>
  );
}

export function When({ at }: { at: string | null | undefined }) {
  if (!at) return <span className="muted">—</span>;
  const date = new Date(at);
  return <time dateTime={at}>{date.toLocaleString()}</time>;
}

export function ProfileName({
  profile,
}: {
  profile: { firstName?: string | null; lastName?: string | null; email?: string | null; id: string };
}) {
  const name = [profile.firstName, profile.lastName].filter(Boolean).join(' ');
  return <>{name || profile.email || profile.id}</>;
}
