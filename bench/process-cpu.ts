import { readFileSync } from 'node:fs';
import type { DataSource } from 'typeorm';

/** CPU milliseconds a process has used (user + system), from /proc; NaN where there is none. */
export function cpuMs(pid: number | undefined): number {
  return procStat(pid, false);
}

/**
 * CPU milliseconds the calling thread has used (user + system), from `/proc/thread-self/stat`; NaN where there is
 * none. Called on the main thread it leaves out V8's helper threads (TurboFan, parallel and concurrent garbage
 * collection) and libuv's pool, which `process.cpuUsage()` counts with it. Resolution: a clock tick (10 ms).
 */
export function threadCpuMs(): number {
  return procStat('thread-self', false);
}

/**
 * `/proc/<pid>/stat`'s CPU in milliseconds: user + system, and with `reaped` also that of the children it has
 * waited for (cutime + cstime) — for the postmaster, every server process that has exited.
 */
function procStat(pid: number | 'thread-self' | undefined, reaped: boolean): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]) + (reaped ? Number(fields[13]) + Number(fields[14]) : 0);
    return (ticks * 1000) / 100; // clock ticks (USER_HZ 100)
  } catch {
    return NaN;
  }
}

/** The parent process of `pid` (its field 4 in /proc/<pid>/stat); NaN where /proc cannot tell. */
function parentOf(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
  } catch {
    return NaN;
  }
}

/** The key under which `serverCpu` keeps the postmaster: itself and every server process that has exited. */
const EXITED = -1;

/**
 * CPU seconds used so far by the PostgreSQL server's processes, by pid — every process, or only the client
 * backends of `database`; empty when /proc cannot tell (a server on another machine). For every process, the
 * postmaster is counted too, with the processes it has reaped (a pool connection closed while idle, an
 * autovacuum worker that finished): under EXITED.
 */
export async function serverCpu(dataSource: DataSource, database?: string): Promise<Map<number, number>> {
  const rows: { pid: number }[] = await dataSource.query(
    database === undefined
      ? `SELECT pid FROM pg_stat_activity`
      : `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'`,
    database === undefined ? [] : [database],
  );
  const cpu = new Map<number, number>();
  for (const { pid } of rows) {
    const ms = cpuMs(pid);
    if (Number.isNaN(ms)) return new Map();
    cpu.set(pid, ms / 1000);
  }
  if (database === undefined && rows.length > 0) {
    const postmaster = procStat(parentOf(rows[0].pid), true);
    if (!Number.isNaN(postmaster)) cpu.set(EXITED, postmaster / 1000);
  }
  return cpu;
}

/**
 * CPU seconds spent between two `serverCpu` readings (a process that is new counts from zero); null if unknown.
 * With the postmaster counted, a process that exited in between counts from its first reading to its end.
 */
export function cpuBetween(before: Map<number, number>, after: Map<number, number>): number | null {
  if (after.size === 0) return null;
  let seconds = 0;
  for (const [pid, value] of after) seconds += value - (before.get(pid) ?? 0);
  if (after.has(EXITED)) for (const [pid, value] of before) if (!after.has(pid)) seconds -= value;
  return seconds;
}
