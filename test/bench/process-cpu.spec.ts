import { existsSync } from 'node:fs';
import { Client } from 'pg';
import { cpuBetween, serverCpu } from '../../bench/process-cpu';
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
