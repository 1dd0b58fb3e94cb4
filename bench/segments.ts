import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { Command } from 'commander';
import { systemContext } from '../src/common/context';
import { createDataSource } from '../src/db/data-source';
import { migrate } from '../src/db/database';
import { ephemeralDataDir, startEmbeddedPostgres } from '../src/db/embedded-postgres';
import { ChangeNotifier, createHubPubSub } from '../src/feed/change-notifier';
import { createLogger } from '../src/logging/logger';
import { defineSegment } from '../src/segments/segments';
import { positive } from './bench-options';

/**
 * `npm run bench:segments -- [--profiles 1000000] [--json]`
 *
 * Defines a segment over a database of N golden profiles (country, job title, lead score, a custom tier, and an
 * email-marketing consent for half of them) and times `defineSegment` — validation, compiled SQL, the membership
 * rows and a `segment.entered` change event per member, in one transaction. The baseline, in the same run, is
 * the bare selection: `CREATE TEMP TABLE … AS SELECT id … WHERE <the same predicate, hand-written>`.
 */

const TARGET_SECONDS = 60;

async function main(argv: string[]): Promise<void> {
  const options = new Command('bench:segments')
    .option('--profiles <n>', 'golden profiles in the database', positive, 1_000_000)
    .option('--json', 'print the result as one JSON object')
    .parse(argv)
    .opts<{ profiles: number; json?: boolean }>();

  const embedded = await startEmbeddedPostgres({
    dataDir: await ephemeralDataDir('profile-hub-bench-seg-'),
    ephemeral: true,
  });
  const dataSource = createDataSource({
    url: embedded.url,
    poolSize: 4,
    applicationName: 'profile-hub-bench-segments',
  });
  try {
    await dataSource.initialize();
    await migrate(dataSource);
    const loadStarted = performance.now();
    await dataSource.query(
      `INSERT INTO golden_profile (id, email, address_country, job_title, lead_score, custom)
       SELECT gen_random_uuid(), 'p' || i || '@example.com',
              (ARRAY['PL','DE','GB','ES','US','FR','IT','NL','SE','CZ'])[1 + i % 10],
              (ARRAY['CTO','Engineer','CEO','Analyst','CIO'])[1 + (i / 10) % 5],
              (i::bigint * 7919) % 100,
              jsonb_build_object('tier', (ARRAY['gold','silver','bronze'])[1 + i % 3])
         FROM generate_series(1, $1::int) AS i`,
      [options.profiles],
    );
    await dataSource.query(
      `WITH s AS (
         INSERT INTO consent_statement (profile_id, purpose, channel, status, source, captured_at)
         SELECT id, 'email_marketing', 'email', 'granted', 'bench', now() - interval '1 day'
           FROM golden_profile WHERE lead_score % 2 = 0
         RETURNING id, profile_id, captured_at)
       INSERT INTO consent_current (profile_id, purpose, channel, status, source, statement_id, captured_at)
       SELECT profile_id, 'email_marketing', 'email', 'granted', 'bench', id, captured_at FROM s`,
    );
    await dataSource.query('VACUUM ANALYZE golden_profile');
    await dataSource.query('VACUUM ANALYZE consent_current');
    const loadSeconds = (performance.now() - loadStarted) / 1000;

    const rule = {
      and: [
        { field: 'address.country', op: 'in', value: ['PL', 'DE', 'CZ'] },
        { field: 'jobTitle', op: 'in', value: ['CTO', 'CIO', 'CEO'] },
        { field: 'leadScore', op: 'gte', value: 30 },
        { consent: { purpose: 'email_marketing', channel: 'email' } },
        { not: { field: 'custom.tier', op: 'eq', value: 'bronze' } },
      ],
    };
    const baselineStarted = performance.now();
    await dataSource.query(
      `CREATE TEMP TABLE baseline AS
       SELECT g.id FROM golden_profile g
        WHERE g.status = 'active' AND g.address_country IN ('PL', 'DE', 'CZ') AND g.job_title IN ('CTO', 'CIO', 'CEO')
          AND g.lead_score >= 30 AND g.custom ->> 'tier' <> 'bronze'
          AND EXISTS (SELECT 1 FROM consent_current c WHERE c.profile_id = g.id AND c.purpose = 'email_marketing'
                        AND c.channel = 'email' AND c.status = 'granted')`,
    );
    const baselineSeconds = (performance.now() - baselineStarted) / 1000;
    const [{ n: expected }] = await dataSource.query(`SELECT count(*)::int AS n FROM baseline`);

    const ctx = systemContext(dataSource, createLogger('silent'), new ChangeNotifier(createHubPubSub()), 'bench');
    const started = performance.now();
    const outcome = await defineSegment(ctx, { key: 'bench', name: 'Bench', rule });
    const seconds = (performance.now() - started) / 1000;
    if (!outcome.ok) throw new Error(`defineSegment refused: ${outcome.message}`);
    // A broad segment too: most profiles are members, so the cost is the membership rows and events.
    const broadStarted = performance.now();
    const broad = await defineSegment(ctx, {
      key: 'bench-broad',
      name: 'Broad',
      rule: { field: 'leadScore', op: 'gte', value: 10 },
    });
    const broadSeconds = (performance.now() - broadStarted) / 1000;
    if (!broad.ok) throw new Error(`defineSegment refused: ${broad.message}`);
    const [{ events }] = await dataSource.query(
      `SELECT count(*)::int AS events FROM change_event WHERE type = 'segment.entered' AND segment_key = 'bench'`,
    );
    const result = {
      profiles: options.profiles,
      loadSeconds: Number(loadSeconds.toFixed(1)),
      members: outcome.entered,
      expectedMembers: expected,
      enteredEvents: events,
      defineSeconds: Number(seconds.toFixed(2)),
      baselineSeconds: Number(baselineSeconds.toFixed(2)),
      ratio: Number((seconds / baselineSeconds).toFixed(2)),
      broad: { members: broad.entered, defineSeconds: Number(broadSeconds.toFixed(2)) },
      target: { seconds: TARGET_SECONDS, met: Math.max(seconds, broadSeconds) <= TARGET_SECONDS },
    };
    if (options.json) {
      process.stdout.write(JSON.stringify(result, null, 2) + '\n');
      return;
    }
    const n = (v: number) => v.toLocaleString('en-US');
    process.stdout.write(
      [
        `profile-hub segment benchmark: ${n(result.profiles)} golden profiles (loaded in ${result.loadSeconds} s), embedded PostgreSQL`,
        `  defineSegment        ${result.defineSeconds} s: ${n(result.members)} members (expected ${n(expected)}), ${n(events)} segment.entered events`,
        `  baseline             ${result.baselineSeconds} s: the same selection into a temporary table`,
        `  ratio                ${result.ratio}× the baseline`,
        `  broad segment        ${result.broad.defineSeconds} s: ${n(result.broad.members)} members (leadScore ≥ 10), as many events`,
        `  target               each under ${TARGET_SECONDS} s   ${result.target.met ? 'met' : 'NOT met'}`,
      ].join('\n') + '\n',
    );
    if (result.members !== expected) process.exitCode = 1;
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await embedded.stop();
  }
}

main(process.argv).catch((error: unknown) => {
  process.stderr.write(`bench:segments: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
