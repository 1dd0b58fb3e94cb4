import fc from 'fast-check';
import {
  deriveConsents,
  effectiveStatus,
  moreRestrictive,
  type ConsentStatementView,
  type StatementStatus,
} from './consent-state';

const at = (minute: number) => new Date(Date.parse('2026-05-01T10:00:00Z') + minute * 60_000);
let nextId = 1;
const statement = (
  status: StatementStatus,
  minute: number,
  source = 'mailchimp',
  extra: Partial<ConsentStatementView> = {},
): ConsentStatementView => ({
  id: String(nextId++),
  purpose: 'email_marketing',
  channel: 'email',
  contactPoint: 'ann@example.com',
  status,
  legalBasis: 'consent',
  source,
  capturedAt: at(minute),
  expiresAt: null,
  ...extra,
});

describe('deriveConsents', () => {
  const now = at(1000);

  it('the latest statement wins; an older grant arriving later never undoes a withdrawal', () => {
    const withdrawn = statement('withdrawn', 10, 'mailchimp');
    const olderGrant = statement('granted', 5, 'salesforce'); // recorded after, captured before
    expect(deriveConsents([withdrawn, olderGrant], now)).toEqual([
      expect.objectContaining({ status: 'withdrawn', source: 'mailchimp', statementId: withdrawn.id }),
    ]);
    const newerGrant = statement('granted', 20, 'salesforce');
    expect(deriveConsents([withdrawn, olderGrant, newerGrant], now)[0].status).toBe('granted');
  });

  it('at the same instant the most restrictive statement wins', () => {
    expect(deriveConsents([statement('granted', 7), statement('denied', 7, 'hubspot')], now)[0].status).toBe('denied');
    expect(deriveConsents([statement('pending', 7), statement('granted', 7)], now)[0].status).toBe('pending');
  });

  it('keeps purposes, channels and contact points apart', () => {
    const states = deriveConsents(
      [
        statement('granted', 1),
        statement('withdrawn', 2, 'mailchimp', { contactPoint: 'ann@work.example' }),
        statement('denied', 3, 'twilio', { purpose: 'sms_marketing', channel: 'sms', contactPoint: '+48600100200' }),
      ],
      now,
    );
    expect(states.map((s) => [s.purpose, s.contactPoint, s.status])).toEqual([
      ['email_marketing', 'ann@example.com', 'granted'],
      ['email_marketing', 'ann@work.example', 'withdrawn'],
      ['sms_marketing', '+48600100200', 'denied'],
    ]);
  });

  it('lets a grant lapse at its expiry', () => {
    const grant = statement('granted', 1, 'hubspot', { expiresAt: at(60) });
    expect(deriveConsents([grant], at(59))[0].status).toBe('granted');
    expect(deriveConsents([grant], at(60))[0].status).toBe('expired');
    expect(effectiveStatus('denied', at(1), at(60))).toBe('denied');
  });

  it('orders restrictiveness: withdrawn > denied > expired > pending > granted', () => {
    expect(moreRestrictive('granted', 'withdrawn')).toBe('withdrawn');
    expect(moreRestrictive('denied', 'withdrawn')).toBe('withdrawn');
    expect(moreRestrictive('expired', 'pending')).toBe('expired');
    expect(moreRestrictive('granted', 'pending')).toBe('pending');
  });

  it("property: for any interleaving of two sources' grants and withdrawals, the state follows the rules", () => {
    const step = fc.record({
      source: fc.constantFrom('salesforce', 'mailchimp'),
      status: fc.constantFrom<StatementStatus>('granted', 'withdrawn'),
      minute: fc.integer({ min: 0, max: 20 }),
      expiresIn: fc.option(fc.integer({ min: 1, max: 40 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(
        fc.array(step, { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 0, max: 60 }),
        (steps, nowMinute) => {
          // Arrival order is the array order; ids follow it, as the table's identity does.
          const statements = steps.map((s, i) =>
            statement(s.status, s.minute, s.source, {
              id: String(i + 1),
              expiresAt: s.expiresIn !== undefined && s.status === 'granted' ? at(s.minute + s.expiresIn) : null,
            }),
          );
          const [state] = deriveConsents(statements, at(nowMinute));
          // The rules, stated directly: the latest capture; among those, a withdrawal over a grant; then lapse.
          const latest = Math.max(...steps.map((s) => s.minute));
          const atLatest = statements.filter((s) => s.capturedAt.getTime() === at(latest).getTime());
          const withdrawn = atLatest.find((s) => s.status === 'withdrawn');
          const decisive = withdrawn ?? atLatest[atLatest.length - 1];
          const expected =
            decisive.status === 'granted' && decisive.expiresAt && decisive.expiresAt <= at(nowMinute)
              ? 'expired'
              : decisive.status;
          expect(state.status).toBe(expected);
          // Arrival order never matters.
          expect(deriveConsents([...statements].reverse(), at(nowMinute))).toEqual(
            deriveConsents(statements, at(nowMinute)),
          );
        },
      ),
      { numRuns: 500 },
    );
  });
});
