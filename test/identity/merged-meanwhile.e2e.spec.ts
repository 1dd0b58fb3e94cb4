import { inTransaction, systemContext } from '../../src/common/context';
import { ChangeNotifier, createHubPubSub } from '../../src/feed/change-notifier';
import { mergeProfilesBySteward } from '../../src/identity/merge/steward-actions';
import { ingestBatch } from '../../src/ingest/ingest-batch';
import { createLogger } from '../../src/logging/logger';
import { eventually } from '../support/webhook-receiver';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/**
 * A steward merge that commits while a batch is matching: the batch read the absorbed profile as live, and finds
 * it merged only when it locks it. It must never attach a record to the tombstone: the batch is retried whole
 * and matches against the profiles as they are now.
 */
describe('a profile merged while a batch matches against it', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => db.destroy());

  const context = () =>
    systemContext(db.dataSource, createLogger('silent'), new ChangeNotifier(createHubPubSub()), 'test');
  const ingestOne = async (ctx: ReturnType<typeof context>, record: Record<string, unknown>) => {
    const [outcome] = await ingestBatch(ctx, { transport: 'http', source: 'ma', records: [record] });
    if (outcome.status === 'REJECTED') throw new Error(outcome.message);
    return outcome.profileId!;
  };

  it('retries the batch, which joins the survivor', async () => {
    const ctx = context();
    const anna = await ingestOne(ctx, {
      externalId: 'L-1',
      objectType: 'lead',
      attributes: { firstName: 'Anna', lastName: 'Lis', email: 'anna.lis@example.com' },
    });
    const annaAgain = await ingestOne(ctx, {
      externalId: 'L-2',
      objectType: 'lead',
      attributes: { firstName: 'Anna', lastName: 'Lis', phone: '+48600111222' },
    });
    expect(annaAgain).not.toBe(anna);

    // The steward merges the two and holds the transaction open …
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let merged: { survivorId: string; absorbedId: string } | undefined;
    const steward = inTransaction(ctx, async (tx) => {
      const outcome = await mergeProfilesBySteward(tx, { profileIds: [anna, annaAgain] });
      if (!outcome.ok) throw new Error(outcome.message);
      merged = { survivorId: outcome.survivorId, absorbedId: outcome.absorbedId };
      await held;
    });
    await eventually(() => merged !== undefined, { what: 'the steward merge' });

    // … while a record with the second profile's phone arrives: it reads that profile as live (the merge is not
    // committed) and waits for its row lock.
    const retries: unknown[] = [];
    const ingesting = context();
    ingesting.logger.warn = ((details: unknown) => void retries.push(details)) as typeof ingesting.logger.warn;
    const arriving = ingestOne(ingesting, {
      externalId: 'L-3',
      objectType: 'lead',
      attributes: { firstName: 'Anna', lastName: 'Lis', phone: '+48600111222', jobTitle: 'Pilot' },
    });
    await eventually(
      async () => {
        const [{ waiting }] = await db.dataSource.query(
          `SELECT count(*)::int AS waiting FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%FOR UPDATE%'`,
        );
        return waiting === 1;
      },
      { what: 'the batch waiting for the merged profile' },
    );
    release();
    await steward;

    const profileId = await arriving;
    expect(profileId).toBe(merged!.survivorId);
    expect(retries).toEqual([expect.objectContaining({ sqlState: '40001', attempt: 1 })]);
    const [tombstone] = await db.dataSource.query(`SELECT status, merged_into_id FROM golden_profile WHERE id = $1`, [
      merged!.absorbedId,
    ]);
    expect(tombstone).toEqual({ status: 'merged', merged_into_id: merged!.survivorId });
    const onTombstone = await db.dataSource.query(`SELECT external_id FROM source_record WHERE profile_id = $1`, [
      merged!.absorbedId,
    ]);
    expect(onTombstone).toEqual([]);
  });
});
