import fc from 'fast-check';
import { isCalendarDate, isCanonicalInstant } from './calendar';

const pad = (n: number, width: number) => String(n).padStart(width, '0');

describe('calendar checks', () => {
  it('tells calendar days as a Date round trip does, for any four-, two- and two-digit date', () => {
    const viaDate = (date: string) => {
      const parsed = new Date(`${date}T00:00:00Z`);
      return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === date;
    };
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9999 }),
        fc.integer({ min: 0, max: 99 }),
        fc.integer({ min: 0, max: 99 }),
        (year, month, day) => {
          const date = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
          expect(isCalendarDate(date)).toBe(viaDate(date));
        },
      ),
      { numRuns: 5000 },
    );
    for (const date of ['2024-02-29', '2000-02-29', '1999-12-31', '0000-02-29'])
      expect(isCalendarDate(date)).toBe(true);
    for (const date of ['2023-02-29', '1900-02-29', '2026-04-31', '2026-13-01', '2026-00-10', '2026-01-00']) {
      expect(isCalendarDate(date)).toBe(false);
    }
  });

  it('recognises an instant in its own normal form, and nothing Date would write otherwise', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9999 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        fc.integer({ min: 0, max: 25 }),
        fc.integer({ min: 0, max: 61 }),
        fc.integer({ min: 0, max: 61 }),
        fc.integer({ min: 0, max: 999 }),
        (year, month, day, hour, minute, second, ms) => {
          const text = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}.${pad(ms, 3)}Z`;
          const parsed = new Date(text);
          const normal = !Number.isNaN(parsed.getTime()) && parsed.toISOString() === text;
          expect(isCanonicalInstant(text)).toBe(normal);
        },
      ),
      { numRuns: 5000 },
    );
    for (const text of ['2026-11-29T22:05:16Z', '2026-11-29T22:05:16.000+00:00', '2026-11-29 22:05:16.000Z']) {
      expect(isCanonicalInstant(text)).toBe(false);
    }
  });
});
