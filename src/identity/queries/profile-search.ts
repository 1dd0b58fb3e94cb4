import type { DataSource } from 'typeorm';
import { ErrorCode, HubError } from '../../common/hub-error';
import { normaliseIdentifier } from '../../ingest/canonical-record';

export interface ProfileSearch {
  /** An email, a phone number, or the beginning of a name ("ann", "kowal", "ann kow"). */
  search: string;
  first: number;
  after: string | null;
  phoneRegion?: string;
}

export interface ProfileSearchPage {
  ids: string[];
  cursors: string[];
  hasNextPage: boolean;
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

function encodeCursor(lastName: string, firstName: string, id: string): string {
  return Buffer.from(JSON.stringify([lastName, firstName, id])).toString('base64url');
}

function decodeCursor(cursor: string): [string, string, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(value) && value.length === 3 && value.every((v) => typeof v === 'string')) {
      return value as [string, string, string];
    }
  } catch {
    // falls through to the coded error
  }
  throw new HubError(ErrorCode.BadRequest, 'invalid cursor');
}

/**
 * Active profiles matching a search, by last name then first name. An email or phone finds the profiles holding
 * that identifier (normalised as on ingest); anything else matches name prefixes, in either order for two words
 * ("ann kowalska" and "kowalska ann"). Uses the identifier index and the name-prefix indexes only.
 */
export async function searchProfiles(ds: DataSource, query: ProfileSearch): Promise<ProfileSearchPage> {
  const text = query.search.trim().toLowerCase().replace(/\s+/g, ' ');
  if (text.length < 2) throw new HubError(ErrorCode.BadRequest, 'search needs at least two characters');
  const params: unknown[] = [];
  const param = (value: unknown) => `$${params.push(value)}`;
  let match: string;
  const email = text.includes('@') ? normaliseIdentifier('email', text, query.phoneRegion) : null;
  const phone =
    !email && /^[+(]?[\d\s().-]{6,}$/.test(text) ? normaliseIdentifier('phone', text, query.phoneRegion) : null;
  if (email || phone) {
    match = `g.id IN (SELECT profile_id FROM identifier WHERE type = ${param(email ? 'email' : 'phone')}
                                                    AND value = ${param(email ?? phone)})`;
  } else {
    const words = text
      .split(' ')
      .slice(0, 2)
      .map((w) => `${escapeLike(w)}%`);
    if (words.length === 1) {
      const w = param(words[0]);
      match = `(lower(g.last_name) LIKE ${w} OR lower(g.first_name) LIKE ${w})`;
    } else {
      const [a, b] = [param(words[0]), param(words[1])];
      match = `((lower(g.first_name) LIKE ${a} AND lower(g.last_name) LIKE ${b})
             OR (lower(g.last_name) LIKE ${a} AND lower(g.first_name) LIKE ${b}))`;
    }
  }
  let page = '';
  if (query.after) {
    const [last, first, id] = decodeCursor(query.after);
    page = `AND (lower(coalesce(g.last_name, '')), lower(coalesce(g.first_name, '')), g.id)
              > (${param(last)}, ${param(first)}, ${param(id)}::uuid)`;
  }
  const rows: { id: string; last: string; first: string }[] = await ds.query(
    `SELECT g.id, lower(coalesce(g.last_name, '')) AS last, lower(coalesce(g.first_name, '')) AS first
       FROM golden_profile g
      WHERE g.status = 'active' AND ${match} ${page}
      ORDER BY 2, 3, 1
      LIMIT ${param(query.first + 1)}`,
    params,
  );
  const shown = rows.slice(0, query.first);
  return {
    ids: shown.map((r) => r.id),
    cursors: shown.map((r) => encodeCursor(r.last, r.first, r.id)),
    hasNextPage: rows.length > query.first,
  };
}
