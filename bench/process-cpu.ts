import { readFileSync } from 'node:fs';
import type { DataSource } from 'typeorm';

/** CPU milliseconds a process has used (user + system), from /proc; NaN where there is none. */
export function cpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return NaN;
  }
}

/**
 * CPU seconds used so far by the PostgreSQL server's processes, by pid — every process, or only the client
 * backends of `database`; empty when /proc cannot tell (a server on another machine).
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
  return cpu;
}

/** CPU seconds spent between two `serverCpu` readings (a process that is new counts from zero); null if unknown. */
export function cpuBetween(before: Map<number, number>, after: Map<number, number>): number | null {
  if (after.size === 0) return null;
  let seconds = 0;
  for (const [pid, value] of after) seconds += value - (before.get(pid) ?? 0);
  return seconds;
}
