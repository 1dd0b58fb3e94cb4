/**
 * Whether a mailbox name is just a person's name: `anna.nowak`, `nowak_anna`, `a.nowak`, `annanowak`, `anna`.
 * Every namesake may own such a mailbox at some provider, so sharing one says no more than sharing the name.
 * `first` and `last` are folded (`fold`); a local part with digits or other words is not just the name.
 * @example spellsName('anna.nowak', 'anna', 'nowak') // → true
 * @example spellsName('anna.nowak74', 'anna', 'nowak') // → false
 */
export function spellsName(local: string, first: string, last: string): boolean {
  const letters = local.replace(/[._-]/g, '');
  if (letters === '' || /[^a-z]/.test(letters)) return false;
  const f = (first.split(' ')[0] ?? '').replace(/[^a-z]/g, '');
  // A double surname (`ramos rodriguez`) is spelled whole or by one of its parts: `laura.ramos`.
  const surnames = new Set([last, ...last.split(' ')].map((l) => l.replace(/[^a-z]/g, '')));
  return [...surnames].some((l) => {
    const spellings = [f + l, l + f, f, l];
    if (f && l) spellings.push(f[0] + l, l + f[0], f + l[0]);
    return spellings.some((s) => s !== '' && s === letters);
  });
}
