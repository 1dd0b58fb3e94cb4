/**
 * Sorts a list of strings in place, by UTF-16 code units as `Array#sort` does. Lists the hub sorts (a record's
 * fields, a lineage group's fields) mostly come sorted already: they are checked first, and a sorted list is left
 * as it is without the copy `Array#sort` makes even then.
 */
export function sortStrings(list: string[]): void {
  for (let i = 1; i < list.length; i++) {
    if (list[i - 1] > list[i]) {
      list.sort();
      return;
    }
  }
}
