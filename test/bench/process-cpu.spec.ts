import { existsSync } from 'node:fs';
import { Client } from 'pg';
import { Worker } from 'node:worker_threads';
import { cpuBetween, serverCpu, threadCpuMs } from '../../bench/process-cpu';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

describe("bench: the PostgreSQL server's CPU (real PostgreSQL on this machine)", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => db.destroy());

  it('counts a connection that did its work and closed between the two readings', async () => {
    const before = await serverCpu(db.dataSource);
    const client = new Client({ connectionString: db.url });
    await client.connect();
    const [{ pid }] = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;
    await client.query('SELECT sum(x) FROM generate_series(1, 4000000) AS x');
    await client.end();
    // Reaped by the postmaster (its CPU added to the postmaster's children's) once /proc no longer lists it.
    for (let i = 0; i < 250 && existsSync(`/proc/${pid}`); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(existsSync(`/proc/${pid}`)).toBe(false);
    const spent = cpuBetween(before, await serverCpu(db.dataSource));
    expect(spent).not.toBeNull();
    // Summing 4 million numbers takes a backend well over 0.1 s of CPU; it is counted only through the postmaster.
    expect(spent!).toBeGreaterThan(0.1);
  });
});

describe("bench: the main thread's CPU apart from the process's", () => {
  const spin = (ms: number) => {
    const until = Date.now() + ms;
    let x = 0;
    while (Date.now() < until) x += Math.sqrt(x + 1);
    return x;
  };

  it('counts work on the calling thread', () => {
    const before = threadCpuMs();
    spin(300);
    // 300 ms of busy loop is 30 clock ticks of this thread; allow for a machine that preempts it now and then.
    expect(threadCpuMs() - before).toBeGreaterThanOrEqual(150);
  });

  it('leaves out what another thread of the process burns', async () => {
    const process0 = process.cpuUsage();
    const before = threadCpuMs();
    const worker = new Worker(
      `const until = Date.now() + 400; let x = 0; while (Date.now() < until) x += Math.sqrt(x + 1);
       require('node:worker_threads').parentPort.postMessage(x);`,
      { eval: true },
    );
    await new Promise((resolve, reject) => worker.once('message', resolve).once('error', reject));
    await worker.terminate();
    const used = process.cpuUsage(process0);
    const processMs = (used.user + used.system) / 1000;
    // The process spent the worker's ~400 ms; the main thread, waiting, only the worker's start-up.
    expect(processMs).toBeGreaterThanOrEqual(250);
    expect(threadCpuMs() - before).toBeLessThan(processMs - 150);
  });
});
