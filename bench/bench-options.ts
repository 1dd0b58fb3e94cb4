import os from 'node:os';
import { InvalidArgumentError } from 'commander';

/** commander parser of a whole number ≥ 1. */
export function positive(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('use a whole number of at least 1');
  return Number(value);
}

/** The machine a figure was measured on, as every benchmark prints it. */
export function machine(): { cores: number; cpu: string; memoryGb: number; node: string } {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
  };
}
