import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit trail becomes append-only and hash-chained (README, "Audit trail"):
 * - `scopes` (the caller's token scopes; NULL for the process itself) and `operation` (GraphQL field or HTTP route);
 * - `seq`, `prev_hash`, `hash`: entry n's hash is SHA-256 of entry n-1's hash and entry n's content, the content
 *   being `hub_audit_entry_hash`'s JSON array, which holds `details_digest` (SHA-256 of the details as first
 *   written) instead of the details, so erasure may later scrub `details` (setting `redacted_at`) without
 *   breaking the chain;
 * - a BEFORE INSERT trigger computes all of it under one transaction-scoped advisory lock (key `lockKey('audit_entry:chain')`,
 *   src/db/advisory-locks.ts), so every INSERT is chained and every hub process on the database appends to one
 *   chain; `occurred_at` becomes the clock time of the append, so it grows with `seq`;
 * - a trigger refuses DELETE, TRUNCATE and every UPDATE except the scrub of `details` that sets `redacted_at`;
 * - the rows already there are chained here, oldest id first (scrubbed ones marked redacted).
 */
export class AuditChain1798000900000 implements MigrationInterface {
  name = 'AuditChain1798000900000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE audit_entry
        ADD COLUMN scopes         text[],
        ADD COLUMN operation      text,
        ADD COLUMN seq            bigint,
        ADD COLUMN prev_hash      bytea,
        ADD COLUMN hash           bytea,
        ADD COLUMN details_digest bytea,
        ADD COLUMN redacted_at    timestamptz`);
    await queryRunner.query(`
      CREATE FUNCTION hub_audit_entry_hash(
        prev_hash bytea, seq bigint, occurred_at timestamptz, actor text, scopes text[], action text,
        operation text, target_type text, target_id text, details_digest bytea, request_id text
      ) RETURNS bytea LANGUAGE sql STABLE PARALLEL SAFE AS $$
        SELECT sha256(prev_hash || convert_to(jsonb_build_array(
                 seq, (extract(epoch FROM occurred_at) * 1000000)::bigint, actor, scopes, action, operation,
                 target_type, target_id, encode(details_digest, 'hex'), request_id)::text, 'UTF8'))
      $$`);

    // Chain what is there: digests first, then one pass along seq (each hash needs the one before).
    await queryRunner.query(`
      UPDATE audit_entry a
         SET seq = n.seq,
             details_digest = sha256(convert_to(a.details::text, 'UTF8')),
             redacted_at = CASE WHEN a.details = '{"redacted": "erasure"}'::jsonb THEN now() END
        FROM (SELECT id, row_number() OVER (ORDER BY id) AS seq FROM audit_entry) AS n
       WHERE a.id = n.id`);
    await queryRunner.query(`CREATE UNIQUE INDEX uq_audit_entry_seq ON audit_entry (seq)`);
    await queryRunner.query(`
      WITH RECURSIVE chain (seq, prev_hash, hash) AS (
        SELECT a.seq, p.genesis,
               hub_audit_entry_hash(p.genesis, a.seq, a.occurred_at, a.actor, a.scopes, a.action, a.operation,
                                    a.target_type, a.target_id, a.details_digest, a.request_id)
          FROM audit_entry a, (SELECT decode(repeat('00', 32), 'hex') AS genesis) AS p
         WHERE a.seq = 1
        UNION ALL
        SELECT a.seq, c.hash,
               hub_audit_entry_hash(c.hash, a.seq, a.occurred_at, a.actor, a.scopes, a.action, a.operation,
                                    a.target_type, a.target_id, a.details_digest, a.request_id)
          FROM chain c JOIN audit_entry a ON a.seq = c.seq + 1
      )
      UPDATE audit_entry a SET prev_hash = c.prev_hash, hash = c.hash FROM chain c WHERE a.seq = c.seq`);
    await queryRunner.query(`
      ALTER TABLE audit_entry
        ALTER COLUMN seq SET NOT NULL,
        ALTER COLUMN prev_hash SET NOT NULL,
        ALTER COLUMN hash SET NOT NULL,
        ALTER COLUMN details_digest SET NOT NULL`);

    await queryRunner.query(`
      CREATE FUNCTION hub_audit_entry_chain() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        head record;
      BEGIN
        -- A snapshot older than the last append would fork the chain (and fail on uq_audit_entry_seq).
        IF current_setting('transaction_isolation') <> 'read committed' THEN
          RAISE EXCEPTION 'audit entries are appended in READ COMMITTED transactions only'
            USING ERRCODE = 'feature_not_supported';
        END IF;
        -- One chain for every process on the database: appends wait here until the previous appender commits.
        PERFORM pg_advisory_xact_lock(
          ('x' || left(encode(sha256(convert_to('audit_entry:chain', 'UTF8')), 'hex'), 16))::bit(64)::bigint);
        SELECT a.seq, a.hash INTO head FROM audit_entry a ORDER BY a.seq DESC LIMIT 1;
        NEW.seq := coalesce(head.seq, 0) + 1;
        NEW.prev_hash := coalesce(head.hash, decode(repeat('00', 32), 'hex'));
        NEW.occurred_at := clock_timestamp();
        NEW.details_digest := sha256(convert_to(NEW.details::text, 'UTF8'));
        NEW.redacted_at := NULL;
        NEW.hash := hub_audit_entry_hash(NEW.prev_hash, NEW.seq, NEW.occurred_at, NEW.actor, NEW.scopes, NEW.action,
                                         NEW.operation, NEW.target_type, NEW.target_id, NEW.details_digest,
                                         NEW.request_id);
        RETURN NEW;
      END
      $$`);
    await queryRunner.query(`
      CREATE TRIGGER tr_audit_entry_chain BEFORE INSERT ON audit_entry
        FOR EACH ROW EXECUTE FUNCTION hub_audit_entry_chain()`);

    await queryRunner.query(`
      CREATE FUNCTION hub_audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        -- The one change allowed: erasure replaces the details and marks the entry redacted, once.
        IF TG_OP = 'UPDATE' AND NEW.redacted_at IS NOT NULL
           AND (OLD.redacted_at IS NULL OR OLD.redacted_at = NEW.redacted_at)
           AND (NEW.id, NEW.seq, NEW.occurred_at, NEW.actor, NEW.scopes, NEW.action, NEW.operation, NEW.target_type,
                NEW.target_id, NEW.request_id, NEW.prev_hash, NEW.hash, NEW.details_digest)
               IS NOT DISTINCT FROM
               (OLD.id, OLD.seq, OLD.occurred_at, OLD.actor, OLD.scopes, OLD.action, OLD.operation, OLD.target_type,
                OLD.target_id, OLD.request_id, OLD.prev_hash, OLD.hash, OLD.details_digest)
        THEN
          RETURN NEW;
        END IF;
        RAISE EXCEPTION 'audit_entry is append-only: % refused', TG_OP
          USING ERRCODE = 'insufficient_privilege',
                HINT = 'only an erasure may replace the details of an entry, and it must set redacted_at';
      END
      $$`);
    await queryRunner.query(`
      CREATE TRIGGER tr_audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry
        FOR EACH ROW EXECUTE FUNCTION hub_audit_entry_append_only()`);
    await queryRunner.query(`
      CREATE TRIGGER tr_audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry
        FOR EACH STATEMENT EXECUTE FUNCTION hub_audit_entry_append_only()`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER tr_audit_entry_no_truncate ON audit_entry`);
    await queryRunner.query(`DROP TRIGGER tr_audit_entry_append_only ON audit_entry`);
    await queryRunner.query(`DROP FUNCTION hub_audit_entry_append_only()`);
    await queryRunner.query(`DROP TRIGGER tr_audit_entry_chain ON audit_entry`);
    await queryRunner.query(`DROP FUNCTION hub_audit_entry_chain()`);
    await queryRunner.query(`DROP INDEX uq_audit_entry_seq`);
    await queryRunner.query(`
      DROP FUNCTION hub_audit_entry_hash(bytea, bigint, timestamptz, text, text[], text, text, text, text, bytea, text)`);
    await queryRunner.query(`
      ALTER TABLE audit_entry
        DROP COLUMN redacted_at,
        DROP COLUMN details_digest,
        DROP COLUMN hash,
        DROP COLUMN prev_hash,
        DROP COLUMN seq,
        DROP COLUMN operation,
        DROP COLUMN scopes`);
  }
}
