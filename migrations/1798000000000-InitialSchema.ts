import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The hub's whole data model: identity (golden profiles, source records, identifiers, links, blocking keys,
 * merge history and review queue, conflicts, pins), consent, segments, engagement, the change-event outbox,
 * ingest bookkeeping, audit, erasure suppression and outbound webhooks.
 *
 * Every constraint and index is named as in the entities (`pk_`, `uq_`, `fk_`, `ck_`, `ix_`), so that
 * `schemaDrift` (src/db/schema-drift.ts) can compare the migrated schema with them. Conventions: `timestamptz`
 * for every time, `jsonb` for documents, `uuid` ids from `gen_random_uuid()` (built in since PostgreSQL 13),
 * `bigint` identity ids for high-volume append-only tables.
 */
export class InitialSchema1798000000000 implements MigrationInterface {
  name = 'InitialSchema1798000000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // ── Functions used by the change feed ──────────────────────────────────────────────────────────────────
    // The writing transaction's id as a bigint (64-bit, epoch-extended, never wraps): `change_event.txid`.
    // A function rather than the expression itself, because TypeORM compares column defaults textually and
    // cannot read back `(pg_current_xact_id()::text)::bigint` once PostgreSQL has stripped its casts.
    await queryRunner.query(`
      CREATE FUNCTION hub_current_txid() RETURNS bigint
        LANGUAGE sql VOLATILE
        AS $$ SELECT pg_current_xact_id()::text::bigint $$`);
    // Every transaction with a smaller id has ended: the feed reads only events with `txid` below this.
    await queryRunner.query(`
      CREATE FUNCTION hub_feed_horizon() RETURNS bigint
        LANGUAGE sql STABLE
        AS $$ SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint $$`);
    // Wake-up for feed readers in every hub process; delivered at commit, only once per transaction.
    await queryRunner.query(`
      CREATE FUNCTION hub_notify_change_event() RETURNS trigger
        LANGUAGE plpgsql
        AS $$ BEGIN PERFORM pg_notify('change_event', ''); RETURN NULL; END $$`);

    // ── Identity ───────────────────────────────────────────────────────────────────────────────────────────
    await queryRunner.query(`
      CREATE TABLE golden_profile (
        id                  uuid         NOT NULL DEFAULT gen_random_uuid(),
        status              text         NOT NULL DEFAULT 'active',
        merged_into_id      uuid,
        version             integer      NOT NULL DEFAULT 1,
        email               text,
        phone               text,
        first_name          text,
        last_name           text,
        birth_date          date,
        company             text,
        job_title           text,
        address_line1       text,
        address_line2       text,
        address_city        text,
        address_postal_code text,
        address_region      text,
        address_country     varchar(2),
        custom              jsonb        NOT NULL DEFAULT '{}',
        lineage             jsonb        NOT NULL DEFAULT '{}',
        lead_score          numeric(10,2) NOT NULL DEFAULT 0,
        lifecycle_stage     text,
        created_at          timestamptz  NOT NULL DEFAULT now(),
        updated_at          timestamptz  NOT NULL DEFAULT now(),
        erased_at           timestamptz,
        CONSTRAINT pk_golden_profile PRIMARY KEY (id),
        CONSTRAINT ck_golden_profile_status CHECK (status IN ('active', 'merged', 'erased')),
        CONSTRAINT fk_golden_profile_merged_into FOREIGN KEY (merged_into_id)
          REFERENCES golden_profile (id) ON DELETE SET NULL
      )`);
    await queryRunner.query(`CREATE INDEX ix_golden_profile_status ON golden_profile (status)`);
    await queryRunner.query(`CREATE INDEX ix_golden_profile_merged_into_id ON golden_profile (merged_into_id)`);
    await queryRunner.query(`CREATE INDEX ix_golden_profile_updated_at ON golden_profile (updated_at)`);
    // Case-insensitive search; declared in the entity with `synchronize: false` (TypeORM cannot express them).
    await queryRunner.query(`CREATE INDEX ix_golden_profile_email_lower ON golden_profile (lower(email))`);
    await queryRunner.query(
      `CREATE INDEX ix_golden_profile_name_lower ON golden_profile (lower(last_name), lower(first_name))`,
    );

    await queryRunner.query(`
      CREATE TABLE source_record (
        id                uuid          NOT NULL DEFAULT gen_random_uuid(),
        source            text          NOT NULL,
        external_id       text          NOT NULL,
        object_type       text          NOT NULL DEFAULT 'contact',
        profile_id        uuid          NOT NULL,
        attributes        jsonb         NOT NULL DEFAULT '{}',
        field_updated_at  jsonb         NOT NULL DEFAULT '{}',
        raw_payload       jsonb,
        deleted           boolean       NOT NULL DEFAULT false,
        deleted_at        timestamptz,
        source_updated_at timestamptz,
        source_sequence   numeric(39,0),
        last_event_id     text,
        version           integer       NOT NULL DEFAULT 1,
        created_at        timestamptz   NOT NULL DEFAULT now(),
        updated_at        timestamptz   NOT NULL DEFAULT now(),
        CONSTRAINT pk_source_record PRIMARY KEY (id),
        CONSTRAINT uq_source_record_source_external_id UNIQUE (source, external_id),
        -- A profile is deleted only once its source records are gone (erasure deletes them first).
        CONSTRAINT fk_source_record_profile FOREIGN KEY (profile_id)
          REFERENCES golden_profile (id) ON DELETE RESTRICT
      )`);
    await queryRunner.query(`CREATE INDEX ix_source_record_profile_id ON source_record (profile_id)`);

    await queryRunner.query(`
      CREATE TABLE identifier (
        id               bigint      GENERATED ALWAYS AS IDENTITY,
        type             text        NOT NULL,
        value            text        NOT NULL,
        source_record_id uuid        NOT NULL,
        profile_id       uuid        NOT NULL,
        created_at       timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_identifier PRIMARY KEY (id),
        CONSTRAINT uq_identifier_source_record_type_value UNIQUE (source_record_id, type, value),
        CONSTRAINT fk_identifier_source_record FOREIGN KEY (source_record_id)
          REFERENCES source_record (id) ON DELETE CASCADE,
        CONSTRAINT fk_identifier_profile FOREIGN KEY (profile_id)
          REFERENCES golden_profile (id) ON DELETE CASCADE
      )`);
    await queryRunner.query(`CREATE INDEX ix_identifier_type_value ON identifier (type, value)`);
    await queryRunner.query(`CREATE INDEX ix_identifier_profile_id ON identifier (profile_id)`);

    await queryRunner.query(`
      CREATE TABLE source_record_link (
        id                    bigint      GENERATED ALWAYS AS IDENTITY,
        from_source_record_id uuid        NOT NULL,
        to_source             text        NOT NULL,
        to_external_id        text        NOT NULL,
        to_source_record_id   uuid,
        kind                  text        NOT NULL DEFAULT 'declared',
        created_at            timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_source_record_link PRIMARY KEY (id),
        CONSTRAINT uq_source_record_link_from_to UNIQUE (from_source_record_id, to_source, to_external_id),
        CONSTRAINT fk_source_record_link_from FOREIGN KEY (from_source_record_id)
          REFERENCES source_record (id) ON DELETE CASCADE,
        CONSTRAINT fk_source_record_link_to FOREIGN KEY (to_source_record_id)
          REFERENCES source_record (id) ON DELETE SET NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX ix_source_record_link_to_source_external_id ON source_record_link (to_source, to_external_id)`,
    );
    await queryRunner.query(
      `CREATE INDEX ix_source_record_link_to_source_record_id ON source_record_link (to_source_record_id)`,
    );

    await queryRunner.query(`
      CREATE TABLE blocking_key (
        id               bigint      GENERATED ALWAYS AS IDENTITY,
        key              text        NOT NULL,
        profile_id       uuid        NOT NULL,
        source_record_id uuid        NOT NULL,
        created_at       timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_blocking_key PRIMARY KEY (id),
        -- Leads with source_record_id: also serves "replace this record's keys" and the cascade below.
        CONSTRAINT uq_blocking_key_source_record_key UNIQUE (source_record_id, key),
        CONSTRAINT fk_blocking_key_profile FOREIGN KEY (profile_id)
          REFERENCES golden_profile (id) ON DELETE CASCADE,
        CONSTRAINT fk_blocking_key_source_record FOREIGN KEY (source_record_id)
          REFERENCES source_record (id) ON DELETE CASCADE
      )`);
    await queryRunner.query(`CREATE INDEX ix_blocking_key_key ON blocking_key (key)`);
    await queryRunner.query(`CREATE INDEX ix_blocking_key_profile_id ON blocking_key (profile_id)`);

    // History with evidence; no foreign keys on purpose, it must outlive the profiles it mentions.
    await queryRunner.query(`
      CREATE TABLE merge_event (
        id                   uuid         NOT NULL DEFAULT gen_random_uuid(),
        kind                 text         NOT NULL,
        survivor_profile_id  uuid         NOT NULL,
        absorbed_profile_id  uuid,
        source_record_id     uuid,
        target_profile_id    uuid,
        trigger              text         NOT NULL,
        actor                text         NOT NULL,
        reason               text,
        score                numeric(8,3),
        evidence             jsonb        NOT NULL DEFAULT '{}',
        merge_candidate_id   uuid,
        reverted_by_event_id uuid,
        created_at           timestamptz  NOT NULL DEFAULT now(),
        CONSTRAINT pk_merge_event PRIMARY KEY (id),
        CONSTRAINT ck_merge_event_kind CHECK (kind IN ('merge', 'unmerge'))
      )`);
    await queryRunner.query(`CREATE INDEX ix_merge_event_survivor_profile_id ON merge_event (survivor_profile_id)`);
    await queryRunner.query(`CREATE INDEX ix_merge_event_absorbed_profile_id ON merge_event (absorbed_profile_id)`);
    await queryRunner.query(`CREATE INDEX ix_merge_event_source_record_id ON merge_event (source_record_id)`);
    await queryRunner.query(`CREATE INDEX ix_merge_event_created_at ON merge_event (created_at)`);

    await queryRunner.query(`
      CREATE TABLE merge_candidate (
        id               uuid         NOT NULL DEFAULT gen_random_uuid(),
        profile_a_id     uuid         NOT NULL,
        profile_b_id     uuid         NOT NULL,
        source_record_id uuid,
        score            numeric(8,3) NOT NULL,
        band             text         NOT NULL,
        reason           text         NOT NULL,
        evidence         jsonb        NOT NULL DEFAULT '{}',
        status           text         NOT NULL DEFAULT 'open',
        decided_by       text,
        decided_at       timestamptz,
        decision_note    text,
        created_at       timestamptz  NOT NULL DEFAULT now(),
        updated_at       timestamptz  NOT NULL DEFAULT now(),
        CONSTRAINT pk_merge_candidate PRIMARY KEY (id),
        CONSTRAINT ck_merge_candidate_status CHECK (status IN ('open', 'approved', 'rejected', 'superseded')),
        -- Canonical pair order, so that the open-pair index below sees (a, b) and (b, a) as one pair.
        CONSTRAINT ck_merge_candidate_pair_order CHECK (profile_a_id < profile_b_id),
        CONSTRAINT fk_merge_candidate_profile_a FOREIGN KEY (profile_a_id)
          REFERENCES golden_profile (id) ON DELETE CASCADE,
        CONSTRAINT fk_merge_candidate_profile_b FOREIGN KEY (profile_b_id)
          REFERENCES golden_profile (id) ON DELETE CASCADE
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX uq_merge_candidate_open_pair ON merge_candidate (profile_a_id, profile_b_id)
         WHERE status = 'open'`,
    );
    await queryRunner.query(
      `CREATE INDEX ix_merge_candidate_status_created_at ON merge_candidate (status, created_at)`,
    );
    await queryRunner.query(`CREATE INDEX ix_merge_candidate_profile_a_id ON merge_candidate (profile_a_id)`);
    await queryRunner.query(`CREATE INDEX ix_merge_candidate_profile_b_id ON merge_candidate (profile_b_id)`);

    await queryRunner.query(`
      CREATE TABLE do_not_merge_pair (
        id                 bigint      GENERATED ALWAYS AS IDENTITY,
        source_record_a_id uuid        NOT NULL,
        source_record_b_id uuid        NOT NULL,
        reason             text        NOT NULL,
        created_by         text        NOT NULL,
        merge_candidate_id uuid,
        created_at         timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_do_not_merge_pair PRIMARY KEY (id),
        CONSTRAINT uq_do_not_merge_pair_a_b UNIQUE (source_record_a_id, source_record_b_id),
        CONSTRAINT ck_do_not_merge_pair_order CHECK (source_record_a_id < source_record_b_id),
        CONSTRAINT fk_do_not_merge_pair_source_record_a FOREIGN KEY (source_record_a_id)
          REFERENCES source_record (id) ON DELETE CASCADE,
        CONSTRAINT fk_do_not_merge_pair_source_record_b FOREIGN KEY (source_record_b_id)
          REFERENCES source_record (id) ON DELETE CASCADE
      )`);
    await queryRunner.query(`CREATE INDEX ix_do_not_merge_pair_b ON do_not_merge_pair (source_record_b_id)`);

    await queryRunner.query(`
      CREATE TABLE conflict (
        id          uuid        NOT NULL DEFAULT gen_random_uuid(),
        profile_id  uuid        NOT NULL,
        field       text        NOT NULL,
        status      text        NOT NULL DEFAULT 'open',
        reason      text        NOT NULL,
        candidates  jsonb       NOT NULL DEFAULT '[]',
        resolution  jsonb,
        resolved_by text,
        resolved_at timestamptz,
        created_at  timestamptz NOT NULL DEFAULT now(),
        updated_at  timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_conflict PRIMARY KEY (id),
        CONSTRAINT ck_conflict_status CHECK (status IN ('open', 'resolved', 'closed')),
        CONSTRAINT fk_conflict_profile FOREIGN KEY (profile_id)
          REFERENCES golden_profile (id) ON DELETE CASCADE
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX uq_conflict_open_profile_field ON conflict (profile_id, field) WHERE status = 'open'`,
    );
    await queryRunner.query(`CREATE INDEX ix_conflict_status_created_at ON conflict (status, created_at)`);
    await queryRunner.query(`CREATE INDEX ix_conflict_profile_id ON conflict (profile_id)`);

    await queryRunner.query(`
      CREATE TABLE pinned_value (
        id               bigint      GENERATED ALWAYS AS IDENTITY,
        profile_id       uuid        NOT NULL,
        field            text        NOT NULL,
        value            jsonb,
        source_record_id uuid,
        pinned_by        text        NOT NULL,
        reason           text,
        conflict_id      uuid,
        created_at       timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_pinned_value PRIMARY KEY (id),
        CONSTRAINT uq_pinned_value_profile_field UNIQUE (profile_id, field),
        CONSTRAINT fk_pinned_value_profile FOREIGN KEY (profile_id)
          REFERENCES golden_profile (id) ON DELETE CASCADE
      )`);

    // ── Consent ────────────────────────────────────────────────────────────────────────────────────────────
    await queryRunner.query(`
      CREATE TABLE consent_statement (
        id               bigint      GENERATED ALWAYS AS IDENTITY,
        profile_id       uuid        NOT NULL,
        source_record_id uuid,
        purpose          text        NOT NULL,
        channel          text        NOT NULL,
        contact_point    text        NOT NULL DEFAULT '',
        status           text        NOT NULL,
        legal_basis      text,
        source           text        NOT NULL,
        captured_at      timestamptz NOT NULL,
        expires_at       timestamptz,
        evidence         jsonb       NOT NULL DEFAULT '{}',
        recorded_by      text,
        created_at       timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_consent_statement PRIMARY KEY (id),
        CONSTRAINT ck_consent_statement_status CHECK (status IN ('granted', 'denied', 'withdrawn', 'pending')),
        CONSTRAINT fk_consent_statement_profile FOREIGN KEY (profile_id)
          REFERENCES golden_profile (id) ON DELETE CASCADE,
        CONSTRAINT fk_consent_statement_source_record FOREIGN KEY (source_record_id)
          REFERENCES source_record (id) ON DELETE SET NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX ix_consent_statement_profile_scope_captured_at
         ON consent_statement (profile_id, purpose, channel, contact_point, captured_at)`,
    );
    await queryRunner.query(
      `CREATE INDEX ix_consent_statement_source_record_id ON consent_statement (source_record_id)`,
    );

    await queryRunner.query(`
      CREATE TABLE consent_current (
        profile_id    uuid        NOT NULL,
        purpose       text        NOT NULL,
        channel       text        NOT NULL,
        contact_point text        NOT NULL DEFAULT '',
        status        text        NOT NULL,
        legal_basis   text,
        source        text        NOT NULL,
        statement_id  bigint      NOT NULL,
        captured_at   timestamptz NOT NULL,
        expires_at    timestamptz,
        updated_at    timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_consent_current PRIMARY KEY (profile_id, purpose, channel, contact_point),
        CONSTRAINT fk_consent_current_profile FOREIGN KEY (profile_id)
          REFERENCES golden_profile (id) ON DELETE CASCADE,
        CONSTRAINT fk_consent_current_statement FOREIGN KEY (statement_id)
          REFERENCES consent_statement (id) ON DELETE CASCADE
      )`);
    await queryRunner.query(
      `CREATE INDEX ix_consent_current_purpose_channel_status ON consent_current (purpose, channel, status)`,
    );
    // Without it every deleted statement (erasure cascades) would scan consent_current for references.
    await queryRunner.query(`CREATE INDEX ix_consent_current_statement_id ON consent_current (statement_id)`);

    // ── Segments ───────────────────────────────────────────────────────────────────────────────────────────
    await queryRunner.query(`
      CREATE TABLE segment (
        id          uuid        NOT NULL DEFAULT gen_random_uuid(),
        key         text        NOT NULL,
        name        text        NOT NULL,
        description text,
        rule        jsonb       NOT NULL,
        version     integer     NOT NULL DEFAULT 1,
        status      text        NOT NULL DEFAULT 'active',
        created_by  text,
        computed_at timestamptz,
        created_at  timestamptz NOT NULL DEFAULT now(),
        updated_at  timestamptz NOT NULL DEFAULT now(),
        deleted_at  timestamptz,
        CONSTRAINT pk_segment PRIMARY KEY (id),
        CONSTRAINT uq_segment_key UNIQUE (key),
        CONSTRAINT ck_segment_status CHECK (status IN ('active', 'computing', 'deleted'))
      )`);

    await queryRunner.query(`
      CREATE TABLE segment_version (
        id         bigint      GENERATED ALWAYS AS IDENTITY,
        segment_id uuid        NOT NULL,
        version    integer     NOT NULL,
        rule       jsonb       NOT NULL,
        created_by text,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_segment_version PRIMARY KEY (id),
        CONSTRAINT uq_segment_version_segment_version UNIQUE (segment_id, version),
        CONSTRAINT fk_segment_version_segment FOREIGN KEY (segment_id)
          REFERENCES segment (id) ON DELETE CASCADE
      )`);

    await queryRunner.query(`
      CREATE TABLE segment_membership (
        segment_id      uuid        NOT NULL,
        profile_id      uuid        NOT NULL,
        entered_at      timestamptz NOT NULL DEFAULT now(),
        segment_version integer     NOT NULL,
        CONSTRAINT pk_segment_membership PRIMARY KEY (segment_id, profile_id),
        CONSTRAINT fk_segment_membership_segment FOREIGN KEY (segment_id)
          REFERENCES segment (id) ON DELETE CASCADE,
        CONSTRAINT fk_segment_membership_profile FOREIGN KEY (profile_id)
          REFERENCES golden_profile (id) ON DELETE CASCADE
      )`);
    await queryRunner.query(`CREATE INDEX ix_segment_membership_profile_id ON segment_membership (profile_id)`);

    // ── Engagement ─────────────────────────────────────────────────────────────────────────────────────────
    await queryRunner.query(`
      CREATE TABLE engagement_event (
        id                bigint      GENERATED ALWAYS AS IDENTITY,
        profile_id        uuid        NOT NULL,
        source_record_id  uuid,
        source            text        NOT NULL,
        external_event_id text        NOT NULL,
        type              text        NOT NULL,
        occurred_at       timestamptz NOT NULL,
        properties        jsonb       NOT NULL DEFAULT '{}',
        received_at       timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_engagement_event PRIMARY KEY (id),
        CONSTRAINT uq_engagement_event_source_external_event_id UNIQUE (source, external_event_id),
        CONSTRAINT fk_engagement_event_profile FOREIGN KEY (profile_id)
          REFERENCES golden_profile (id) ON DELETE CASCADE,
        CONSTRAINT fk_engagement_event_source_record FOREIGN KEY (source_record_id)
          REFERENCES source_record (id) ON DELETE SET NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX ix_engagement_event_profile_type_occurred_at ON engagement_event (profile_id, type, occurred_at)`,
    );
    await queryRunner.query(
      `CREATE INDEX ix_engagement_event_type_occurred_at ON engagement_event (type, occurred_at)`,
    );
    await queryRunner.query(`CREATE INDEX ix_engagement_event_source_record_id ON engagement_event (source_record_id)`);

    // ── Change feed ────────────────────────────────────────────────────────────────────────────────────────
    // The outbox. The feed cursor is (txid, position), read only below hub_feed_horizon(): see ChangeEvent.
    // No foreign keys: events outlive the profiles they are about.
    await queryRunner.query(`
      CREATE TABLE change_event (
        position      bigint      GENERATED ALWAYS AS IDENTITY,
        txid          bigint      NOT NULL DEFAULT hub_current_txid(),
        id            uuid        NOT NULL DEFAULT gen_random_uuid(),
        type          text        NOT NULL,
        profile_id    uuid,
        segment_key   text,
        origin_source text,
        payload       jsonb       NOT NULL DEFAULT '{}',
        occurred_at   timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_change_event PRIMARY KEY (position),
        CONSTRAINT uq_change_event_id UNIQUE (id)
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX uq_change_event_cursor ON change_event (txid, position)`);
    await queryRunner.query(`CREATE INDEX ix_change_event_profile_id_position ON change_event (profile_id, position)`);
    await queryRunner.query(`CREATE INDEX ix_change_event_type_position ON change_event (type, position)`);
    await queryRunner.query(`
      CREATE TRIGGER tg_change_event_notify AFTER INSERT ON change_event
        FOR EACH STATEMENT EXECUTE FUNCTION hub_notify_change_event()`);

    await queryRunner.query(`
      CREATE TABLE feed_checkpoint (
        consumer   text        NOT NULL,
        cursor     text        NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_feed_checkpoint PRIMARY KEY (consumer)
      )`);

    // ── Ingest ─────────────────────────────────────────────────────────────────────────────────────────────
    await queryRunner.query(`
      CREATE TABLE dead_letter (
        id            uuid        NOT NULL DEFAULT gen_random_uuid(),
        source        text,
        transport     text        NOT NULL,
        content_type  text        NOT NULL DEFAULT 'application/json',
        raw_payload   text        NOT NULL,
        record_index  integer,
        external_id   text,
        error_code    text        NOT NULL,
        error_message text        NOT NULL,
        error_path    text,
        status        text        NOT NULL DEFAULT 'open',
        attempts      integer     NOT NULL DEFAULT 0,
        created_at    timestamptz NOT NULL DEFAULT now(),
        replayed_at   timestamptz,
        replay_result jsonb,
        CONSTRAINT pk_dead_letter PRIMARY KEY (id),
        CONSTRAINT ck_dead_letter_status CHECK (status IN ('open', 'replayed', 'discarded'))
      )`);
    await queryRunner.query(`CREATE INDEX ix_dead_letter_status_created_at ON dead_letter (status, created_at)`);
    await queryRunner.query(`CREATE INDEX ix_dead_letter_source_created_at ON dead_letter (source, created_at)`);

    await queryRunner.query(`
      CREATE TABLE processed_event (
        source           text        NOT NULL,
        event_id         text        NOT NULL,
        received_at      timestamptz NOT NULL DEFAULT now(),
        source_record_id uuid,
        CONSTRAINT pk_processed_event PRIMARY KEY (source, event_id)
      )`);

    // ── Audit and privacy ──────────────────────────────────────────────────────────────────────────────────
    await queryRunner.query(`
      CREATE TABLE audit_entry (
        id          bigint      GENERATED ALWAYS AS IDENTITY,
        occurred_at timestamptz NOT NULL DEFAULT now(),
        actor       text        NOT NULL,
        action      text        NOT NULL,
        target_type text        NOT NULL,
        target_id   text,
        details     jsonb       NOT NULL DEFAULT '{}',
        request_id  text,
        CONSTRAINT pk_audit_entry PRIMARY KEY (id)
      )`);
    await queryRunner.query(
      `CREATE INDEX ix_audit_entry_target_occurred_at ON audit_entry (target_type, target_id, occurred_at)`,
    );
    await queryRunner.query(`CREATE INDEX ix_audit_entry_occurred_at ON audit_entry (occurred_at)`);
    await queryRunner.query(`CREATE INDEX ix_audit_entry_actor_occurred_at ON audit_entry (actor, occurred_at)`);

    // Keyed HMACs of erased identifiers, never the values themselves.
    await queryRunner.query(`
      CREATE TABLE suppression_entry (
        id                bigint      GENERATED ALWAYS AS IDENTITY,
        identifier_type   text        NOT NULL,
        value_hmac        text        NOT NULL,
        reason            text        NOT NULL,
        erased_profile_id uuid,
        created_at        timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_suppression_entry PRIMARY KEY (id),
        CONSTRAINT uq_suppression_entry_type_hmac UNIQUE (identifier_type, value_hmac)
      )`);

    // ── Outbound webhooks ──────────────────────────────────────────────────────────────────────────────────
    await queryRunner.query(`
      CREATE TABLE webhook_subscription (
        id                   uuid        NOT NULL DEFAULT gen_random_uuid(),
        url                  text        NOT NULL,
        event_types          text[]      NOT NULL DEFAULT '{}',
        filter               jsonb       NOT NULL DEFAULT '{}',
        secret               text        NOT NULL,
        status               text        NOT NULL DEFAULT 'active',
        description          text,
        cursor               text,
        consecutive_failures integer     NOT NULL DEFAULT 0,
        created_by           text,
        created_at           timestamptz NOT NULL DEFAULT now(),
        updated_at           timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_webhook_subscription PRIMARY KEY (id),
        CONSTRAINT ck_webhook_subscription_status CHECK (status IN ('active', 'paused', 'disabled'))
      )`);

    await queryRunner.query(`
      CREATE TABLE webhook_delivery (
        id               bigint      GENERATED ALWAYS AS IDENTITY,
        subscription_id  uuid        NOT NULL,
        change_event_id  uuid        NOT NULL,
        status           text        NOT NULL DEFAULT 'pending',
        attempts         integer     NOT NULL DEFAULT 0,
        next_attempt_at  timestamptz NOT NULL DEFAULT now(),
        last_attempt_at  timestamptz,
        last_status_code integer,
        last_error       text,
        request_body     jsonb       NOT NULL,
        created_at       timestamptz NOT NULL DEFAULT now(),
        delivered_at     timestamptz,
        CONSTRAINT pk_webhook_delivery PRIMARY KEY (id),
        CONSTRAINT uq_webhook_delivery_subscription_change_event UNIQUE (subscription_id, change_event_id),
        CONSTRAINT ck_webhook_delivery_status CHECK (status IN ('pending', 'delivered', 'failed', 'dead')),
        CONSTRAINT fk_webhook_delivery_subscription FOREIGN KEY (subscription_id)
          REFERENCES webhook_subscription (id) ON DELETE CASCADE
      )`);
    await queryRunner.query(
      `CREATE INDEX ix_webhook_delivery_status_next_attempt_at ON webhook_delivery (status, next_attempt_at)`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    // Reverse order of `up`; a table takes its indexes, constraints and triggers with it.
    await queryRunner.query(`DROP TABLE webhook_delivery`);
    await queryRunner.query(`DROP TABLE webhook_subscription`);
    await queryRunner.query(`DROP TABLE suppression_entry`);
    await queryRunner.query(`DROP TABLE audit_entry`);
    await queryRunner.query(`DROP TABLE processed_event`);
    await queryRunner.query(`DROP TABLE dead_letter`);
    await queryRunner.query(`DROP TABLE feed_checkpoint`);
    await queryRunner.query(`DROP TABLE change_event`);
    await queryRunner.query(`DROP TABLE engagement_event`);
    await queryRunner.query(`DROP TABLE segment_membership`);
    await queryRunner.query(`DROP TABLE segment_version`);
    await queryRunner.query(`DROP TABLE segment`);
    await queryRunner.query(`DROP TABLE consent_current`);
    await queryRunner.query(`DROP TABLE consent_statement`);
    await queryRunner.query(`DROP TABLE pinned_value`);
    await queryRunner.query(`DROP TABLE conflict`);
    await queryRunner.query(`DROP TABLE do_not_merge_pair`);
    await queryRunner.query(`DROP TABLE merge_candidate`);
    await queryRunner.query(`DROP TABLE merge_event`);
    await queryRunner.query(`DROP TABLE blocking_key`);
    await queryRunner.query(`DROP TABLE source_record_link`);
    await queryRunner.query(`DROP TABLE identifier`);
    await queryRunner.query(`DROP TABLE source_record`);
    await queryRunner.query(`DROP TABLE golden_profile`);
    await queryRunner.query(`DROP FUNCTION hub_notify_change_event()`);
    await queryRunner.query(`DROP FUNCTION hub_feed_horizon()`);
    await queryRunner.query(`DROP FUNCTION hub_current_txid()`);
  }
}
