import { z } from "zod";
import { checkNumbering, type Migration, SchemaTooNewError } from "../migration.js";
import { type Db, quoteIdentifier, type Sql } from "./db.js";

/**
 * The PostgreSQL schema, version for version the same as sqlite/migrations.ts (same versions, same
 * names): a change appends one entry to each list. Timestamps are bigint epoch milliseconds, JSON is
 * jsonb, flags are boolean. `rowid` columns keep the order of inserts where SQLite's rowid breaks ties.
 */
export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "approval requests, audit log, locks",
    up: `
      CREATE TABLE approval_requests (
        id text PRIMARY KEY,
        rowid bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        correlation_id text NOT NULL,
        operation_id text NOT NULL,
        args jsonb NOT NULL,
        raw_args jsonb NOT NULL,
        target jsonb NOT NULL,
        fingerprint text NOT NULL,
        requester_id text NOT NULL,
        requester_identity text,
        channel_id text NOT NULL,
        rule jsonb NOT NULL,
        force boolean NOT NULL DEFAULT false,
        status text NOT NULL
          CHECK (status IN ('pending','approved','executing','succeeded','failed','denied','expired')),
        decided_by text,
        created_at bigint NOT NULL,
        expires_at bigint NOT NULL,
        updated_at bigint NOT NULL,
        message_channel text,
        message_ts text,
        outcome jsonb
      );
      CREATE INDEX approval_requests_status ON approval_requests (status, expires_at);
      CREATE INDEX approval_requests_requester ON approval_requests (requester_id, created_at);

      -- One row per approver: the primary key is what makes a repeated click count once.
      CREATE TABLE approval_votes (
        request_id text NOT NULL REFERENCES approval_requests (id) ON DELETE CASCADE,
        user_id text NOT NULL,
        at bigint NOT NULL,
        rowid bigint GENERATED ALWAYS AS IDENTITY,
        PRIMARY KEY (request_id, user_id)
      );

      CREATE TABLE audit_log (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at bigint NOT NULL,
        correlation_id text NOT NULL,
        kind text NOT NULL,
        operation_id text,
        args jsonb,
        user_id text NOT NULL,
        identity text,
        channel_id text,
        outcome text NOT NULL,
        duration_ms bigint,
        detail text
      );
      CREATE INDEX audit_log_user ON audit_log (user_id, id);
      CREATE INDEX audit_log_operation ON audit_log (operation_id, id);
      CREATE INDEX audit_log_at ON audit_log (at);

      CREATE TABLE locks (
        kind text NOT NULL CHECK (kind IN ('namespace','allocation')),
        name text NOT NULL,
        reason text NOT NULL,
        locked_by text NOT NULL,
        locked_at bigint NOT NULL,
        until bigint,
        PRIMARY KEY (kind, name)
      );
    `,
  },
  {
    version: 2,
    name: "follow-ups and their transitions",
    up: `
      CREATE TABLE followups (
        id text PRIMARY KEY,
        correlation_id text NOT NULL,
        operation_id text NOT NULL,
        title text NOT NULL,
        poll jsonb NOT NULL,
        prefill jsonb NOT NULL,
        requester_id text NOT NULL,
        identity text,
        channel_id text NOT NULL,
        backend text NOT NULL,
        parent_ts text,
        state text,
        seq integer NOT NULL DEFAULT 0,
        status text NOT NULL CHECK (status IN ('active','succeeded','failed','unknown','cancelled')),
        started_at bigint NOT NULL,
        next_poll_at bigint NOT NULL,
        timeout_at bigint NOT NULL,
        updated_at bigint NOT NULL,
        polls integer NOT NULL DEFAULT 0,
        failures integer NOT NULL DEFAULT 0,
        last_error text
      );
      CREATE INDEX followups_due ON followups (status, next_poll_at);
      CREATE INDEX followups_requester ON followups (requester_id, started_at);

      -- Written before a transition is posted and marked once Slack has it: after a crash, the ones
      -- not marked are checked against the thread instead of being posted twice.
      CREATE TABLE followup_transitions (
        followup_id text NOT NULL REFERENCES followups (id) ON DELETE CASCADE,
        seq integer NOT NULL,
        state text NOT NULL,
        terminal boolean NOT NULL,
        at bigint NOT NULL,
        posted_ts text,
        PRIMARY KEY (followup_id, seq)
      );
    `,
  },
  {
    version: 3,
    name: "notification subscriptions",
    up: `
      CREATE TABLE subscriptions (
        event text NOT NULL,
        channel_id text NOT NULL,
        created_by text NOT NULL,
        created_at bigint NOT NULL,
        PRIMARY KEY (event, channel_id)
      );
    `,
  },
  {
    version: 4,
    name: "commands received and not yet settled",
    up: `
      CREATE TABLE intake (
        id text PRIMARY KEY,
        rowid bigint GENERATED ALWAYS AS IDENTITY,
        user_id text NOT NULL,
        channel_id text NOT NULL,
        command_text text NOT NULL,
        response_url text NOT NULL,
        received_at bigint NOT NULL
      );
    `,
  },
  {
    version: 5,
    name: "follow-ups: settle states and the cancel button in columns of their own",
    // No PostgreSQL store ever kept them in prefill under `~` keys, so there is nothing to move.
    up: `
      ALTER TABLE followups ADD COLUMN settle_on jsonb, ADD COLUMN cancel jsonb;
    `,
  },
  {
    version: 6,
    name: "signed Slack requests already taken (replay refusal)",
    // Unlogged: a record matters for minutes, and one is written before every acknowledgement, which
    // then waits for no WAL flush; after a crash of the database server the table starts empty, which
    // reopens the window of the last few minutes' requests, no more.
    up: `
      CREATE UNLOGGED TABLE seen_requests (
        key text PRIMARY KEY,
        keep_until bigint NOT NULL
      );
      CREATE INDEX seen_requests_keep_until ON seen_requests (keep_until);
    `,
  },
  {
    version: 7,
    name: "follow-ups: leases, and the poll budget shared by the replicas",
    up: `
      ALTER TABLE followups ADD COLUMN lease_owner text, ADD COLUMN lease_until bigint;
      CREATE INDEX followups_leased ON followups (lease_until) WHERE lease_owner IS NOT NULL;
      CREATE TABLE followup_poll_budget (
        backend text PRIMARY KEY,
        tokens double precision NOT NULL,
        at bigint NOT NULL
      );
    `,
  },
  {
    version: 8,
    name: "process registry with heartbeats; owners of executing approvals and unsettled commands",
    up: `
      CREATE TABLE processes (
        id text PRIMARY KEY,
        started_at bigint NOT NULL,
        heartbeat_at bigint NOT NULL,
        stopped_at bigint
      );
      ALTER TABLE approval_requests ADD COLUMN owner text;
      ALTER TABLE intake ADD COLUMN owner text;
    `,
  },
  {
    version: 9,
    name: "slack pacing shared by replicas, and service state (the rotated Orchestration refresh token)",
    // Unlogged: a booking is worth a few seconds, so it skips the WAL and its flush on every commit (the
    // cost of a reservation drops several-fold); after a crash or on a promoted standby the table starts
    // empty, which only lets the next slot go at once.
    up: `
      CREATE UNLOGGED TABLE slack_pacing (
        lane text PRIMARY KEY,
        next_at bigint NOT NULL
      );
      CREATE TABLE service_state (
        key text PRIMARY KEY,
        value text NOT NULL,
        updated_at bigint NOT NULL
      );
    `,
  },
  {
    version: 10,
    name: "sensitive arguments of approval requests kept apart while they may run; time indexes for pruning",
    up: `
      ALTER TABLE approval_requests ADD COLUMN withheld_args jsonb;
      CREATE INDEX approval_requests_updated ON approval_requests (updated_at);
      CREATE INDEX followups_updated ON followups (updated_at);
      CREATE INDEX intake_received ON intake (received_at);
    `,
  },
];

/**
 * Every replica runs the migrations when it starts; this transaction-scoped advisory lock makes them
 * take turns, so each migration is applied once. One fixed key for the whole database ("opsbot" in
 * ASCII): stores in other schemas of the same database merely wait for each other's short migrations.
 */
export const MIGRATION_LOCK_KEY = 0x6f7073626f74;

const VersionRow = z.object({ v: z.number().int().nullable() });

async function currentVersion(sql: Sql): Promise<number> {
  const { rows } = await sql("SELECT max(version)::bigint AS v FROM schema_migrations");
  return VersionRow.parse(rows[0]).v ?? 0;
}

async function lock(sql: Sql): Promise<void> {
  await sql("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY]);
}

/**
 * Creates the schema (when the store has one of its own) and the version table, then applies the
 * migrations this database lacks, each in its own transaction under the lock, reading the version again
 * once the lock is held. Returns the version the database is at.
 */
export async function migratePostgres(
  db: Db,
  options: { schema?: string | undefined; migrations?: readonly Migration[]; appliedAt?: number } = {},
): Promise<number> {
  const migrations = options.migrations ?? POSTGRES_MIGRATIONS;
  checkNumbering(migrations);
  const known = migrations.length;
  // Under the lock too: replicas starting together would otherwise both find no schema and both create
  // it, and CREATE … IF NOT EXISTS can still fail on a duplicate when two sessions run it at once.
  const found = await db.transaction(async (sql) => {
    await lock(sql);
    // Looked up first: CREATE SCHEMA IF NOT EXISTS needs the right to create schemas even when there is
    // nothing to create, which a role kept to an existing schema does not have.
    if (options.schema !== undefined) {
      const existing = await sql("SELECT 1 FROM pg_namespace WHERE nspname = $1", [options.schema]);
      if (existing.rowCount === 0) await sql(`CREATE SCHEMA ${quoteIdentifier(options.schema)}`);
    }
    await sql(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)",
    );
    return currentVersion(sql);
  });
  if (found > known) throw new SchemaTooNewError(found, known);
  // Only bookkeeping (when an upgrade happened), so it is the one timestamp that defaults to the clock.
  const appliedAt = options.appliedAt ?? Date.now();
  for (const migration of migrations.slice(found)) {
    await db.transaction(async (sql) => {
      await lock(sql);
      if ((await currentVersion(sql)) >= migration.version) return;
      await sql(migration.up);
      await sql("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)", [
        migration.version,
        migration.name,
        appliedAt,
      ]);
    });
  }
  // A newer release may have migrated while this one waited for the lock.
  const reached = await currentVersion(db.query);
  if (reached > known) throw new SchemaTooNewError(reached, known);
  return reached;
}
