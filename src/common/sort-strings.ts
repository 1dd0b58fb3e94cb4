/**
 * Sorts a list of strings in place, by UTF-16 code units as `Array#sort` does. Lists the hub sorts (a record's
 * fields, a lineage group's fields) mostly come sorted already: they are checked first, and a sorted list is left
 * as it is. A short list that is not is sorted by insertion, in place: `Array#sort` copies the list into a work
 * array first, an allocation per golden profile and per lineage group (~20 MB per 20,000 records imported).
 */
export function sortStrings(list: string[]): void {
  for (let i = 1; i < list.length; i++) {
    if (list[i - 1] > list[i]) {
      if (list.length > INSERTION_SORT_UP_TO) list.sort();
      else insertionSort(list, i);
      return;
    }
  }
}

/** Longest list sorted by insertion: a record's or a profile's fields, a few dozen at most. */
const INSERTION_SORT_UP_TO = 64;

/** Sorts `list` in place, its first `sorted` elements being in order already. */
function insertionSort(list: string[], sorted: number): void {
  for (let i = sorted; i < list.length; i++) {
    const value = list[i];
    let j = i - 1;
    for (; j >= 0 && list[j] > value; j--) list[j + 1] = list[j];
    list[j + 1] = value;
  }
}
