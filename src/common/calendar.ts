/**
 * Calendar checks without a `Date` round trip: validation and matching ask them of every record, and
 * `new Date(…).toISOString()` allocates a date and a string each time to answer.
 */

const ZERO = 48; // '0'

/** The number written by the digits of `text` from `start` to `end` (the caller has checked they are digits). */
function digits(text: string, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) n = n * 10 + text.charCodeAt(i) - ZERO;
  return n;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Whether `date`, written `YYYY-MM-DD` in digits (checked by the caller), is a day of the proleptic Gregorian
 * calendar — what `new Date(`${date}T00:00:00Z`).toISOString().slice(0, 10) === date` tells.
 * @example isCalendarDate('2024-02-29') // → true;  isCalendarDate('2023-02-29') // → false
 */
export function isCalendarDate(date: string): boolean {
  const month = digits(date, 5, 7);
  const day = digits(date, 8, 10);
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(digits(date, 0, 4), month);
}

const CANONICAL_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * Whether `text` is already an instant as `Date#toISOString` writes it (`2026-11-29T22:05:16.000Z`, a real day
 * and time of day): then it is its own normal form.
 */
export function isCanonicalInstant(text: string): boolean {
  return (
    text.length === 24 &&
    CANONICAL_INSTANT.test(text) &&
    isCalendarDate(text) &&
    digits(text, 11, 13) <= 23 &&
    digits(text, 14, 16) <= 59 &&
    digits(text, 17, 19) <= 59
  );
}
