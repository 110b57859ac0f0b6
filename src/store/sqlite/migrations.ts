import type Database from "better-sqlite3";
import { checkNumbering, type Migration, SchemaTooNewError } from "../migration.js";

export { type Migration, SchemaTooNewError };

/**
 * The schema, as an ordered list of migrations. Each runs once, in its own transaction, when the store
 * opens. Later changes append an entry with the next version and never edit one already released; the
 * PostgreSQL list (postgres/migrations.ts) gets the same version in the same change.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "approval requests, audit log, locks",
    up: `
      CREATE TABLE approval_requests (
        id TEXT PRIMARY KEY,
        correlation_id TEXT NOT NULL,
        operation_id TEXT NOT NULL,
        args TEXT NOT NULL,
        raw_args TEXT NOT NULL,
        target TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        requester_id TEXT NOT NULL,
        requester_identity TEXT,
        channel_id TEXT NOT NULL,
        rule TEXT NOT NULL,
        force INTEGER NOT NULL DEFAULT 0 CHECK (force IN (0, 1)),
        status TEXT NOT NULL
          CHECK (status IN ('pending','approved','executing','succeeded','failed','denied','expired')),
        decided_by TEXT,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        message_channel TEXT,
        message_ts TEXT,
        outcome TEXT
      );
      CREATE INDEX approval_requests_status ON approval_requests (status, expires_at);
      CREATE INDEX approval_requests_requester ON approval_requests (requester_id, created_at);

      -- One row per approver: the primary key is what makes a repeated click count once.
      CREATE TABLE approval_votes (
        request_id TEXT NOT NULL REFERENCES approval_requests (id) ON DELETE CASCADE,
        user_id TEXT NOT NULL,
        at INTEGER NOT NULL,
        PRIMARY KEY (request_id, user_id)
      );

      CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        correlation_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        operation_id TEXT,
        args TEXT,
        user_id TEXT NOT NULL,
        identity TEXT,
        channel_id TEXT,
        outcome TEXT NOT NULL,
        duration_ms INTEGER,
        detail TEXT
      );
      CREATE INDEX audit_log_user ON audit_log (user_id, id);
      CREATE INDEX audit_log_operation ON audit_log (operation_id, id);
      CREATE INDEX audit_log_at ON audit_log (at);

      CREATE TABLE locks (
        kind TEXT NOT NULL CHECK (kind IN ('namespace','allocation')),
        name TEXT NOT NULL,
        reason TEXT NOT NULL,
        locked_by TEXT NOT NULL,
        locked_at INTEGER NOT NULL,
        until INTEGER,
        PRIMARY KEY (kind, name)
      );
    `,
  },
  {
    version: 2,
    name: "follow-ups and their transitions",
    up: `
      CREATE TABLE followups (
        id TEXT PRIMARY KEY,
        correlation_id TEXT NOT NULL,
        operation_id TEXT NOT NULL,
        title TEXT NOT NULL,
        poll TEXT NOT NULL,
        prefill TEXT NOT NULL,
        requester_id TEXT NOT NULL,
        identity TEXT,
        channel_id TEXT NOT NULL,
        backend TEXT NOT NULL,
        parent_ts TEXT,
        state TEXT,
        seq INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL CHECK (status IN ('active','succeeded','failed','unknown','cancelled')),
        started_at INTEGER NOT NULL,
        next_poll_at INTEGER NOT NULL,
        timeout_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        polls INTEGER NOT NULL DEFAULT 0,
        failures INTEGER NOT NULL DEFAULT 0,
        last_error TEXT
      );
      CREATE INDEX followups_due ON followups (status, next_poll_at);
      CREATE INDEX followups_requester ON followups (requester_id, started_at);

      -- Written before a transition is posted and marked once Slack has it: after a crash, the ones
      -- not marked are checked against the thread instead of being posted twice.
      CREATE TABLE followup_transitions (
        followup_id TEXT NOT NULL REFERENCES followups (id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        state TEXT NOT NULL,
        terminal INTEGER NOT NULL CHECK (terminal IN (0, 1)),
        at INTEGER NOT NULL,
        posted_ts TEXT,
        PRIMARY KEY (followup_id, seq)
      );
    `,
  },
  {
    version: 3,
    name: "notification subscriptions",
    up: `
      CREATE TABLE subscriptions (
        event TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (event, channel_id)
      );
    `,
  },
  {
    version: 4,
    name: "commands received and not yet settled",
    up: `
      CREATE TABLE intake (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        command_text TEXT NOT NULL,
        response_url TEXT NOT NULL,
        received_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 5,
    name: "follow-ups: settle states and the cancel button in columns of their own",
    // They were kept in `prefill` under `~` keys; moved out so that prefill holds only button arguments.
    up: `
      ALTER TABLE followups ADD COLUMN settle_on TEXT;
      ALTER TABLE followups ADD COLUMN cancel TEXT;
      UPDATE followups SET
        settle_on = CASE WHEN json_extract(prefill, '$."~settleOn"') IS NULL THEN NULL
          ELSE '["' || replace(json_extract(prefill, '$."~settleOn"'), ',', '","') || '"]' END,
        cancel = json_extract(prefill, '$."~cancel"'),
        prefill = json_remove(prefill, '$."~settleOn"', '$."~cancel"');
    `,
  },
  {
    version: 6,
    name: "signed Slack requests already taken (replay refusal)",
    up: `
      CREATE TABLE seen_requests (
        key TEXT PRIMARY KEY,
        keep_until INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX seen_requests_keep_until ON seen_requests (keep_until);
    `,
  },
  {
    version: 7,
    name: "follow-ups: leases, and the poll budget shared by the replicas",
    // Leased rows are few (those being worked on), so the partial index finds lapsed ones cheaply.
    up: `
      ALTER TABLE followups ADD COLUMN lease_owner TEXT;
      ALTER TABLE followups ADD COLUMN lease_until INTEGER;
      CREATE INDEX followups_leased ON followups (lease_until) WHERE lease_owner IS NOT NULL;
      CREATE TABLE followup_poll_budget (
        backend TEXT PRIMARY KEY,
        tokens REAL NOT NULL,
        at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 8,
    name: "process registry with heartbeats; owners of executing approvals and unsettled commands",
    // Rows in flight name their owner; recovery takes over only those whose owner is gone. Rows from
    // before have no owner, which counts as gone: they were left by a process that knew no heartbeat.
    up: `
      CREATE TABLE processes (
        id TEXT PRIMARY KEY,
        started_at INTEGER NOT NULL,
        heartbeat_at INTEGER NOT NULL,
        stopped_at INTEGER
      );
      ALTER TABLE approval_requests ADD COLUMN owner TEXT;
      ALTER TABLE intake ADD COLUMN owner TEXT;
    `,
  },
  {
    version: 9,
    name: "slack pacing shared by replicas, and service state (the rotated Orchestration refresh token)",
    up: `
      CREATE TABLE slack_pacing (
        lane TEXT PRIMARY KEY,
        next_at INTEGER NOT NULL
      );
      CREATE TABLE service_state (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 10,
    name: "sensitive arguments of approval requests kept apart while they may run; time indexes for pruning",
    up: `
      ALTER TABLE approval_requests ADD COLUMN withheld_args TEXT;
      CREATE INDEX approval_requests_updated ON approval_requests (updated_at);
      CREATE INDEX followups_updated ON followups (updated_at);
      CREATE INDEX intake_received ON intake (received_at);
    `,
  },
];

function currentVersion(db: Database.Database): number {
  const row = db.prepare("SELECT MAX(version) AS v FROM schema_migrations").get() as { v: number | null };
  return row.v ?? 0;
}

/**
 * Applies the migrations this database lacks and returns the version it is at. `appliedAt` is only
 * bookkeeping (when an upgrade happened), so it is the one timestamp that defaults to the clock.
 */
export function migrate(
  db: Database.Database,
  migrations: readonly Migration[] = MIGRATIONS,
  appliedAt: number = Date.now(),
): number {
  checkNumbering(migrations);
  db.exec(
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
  );
  const known = migrations.length;
  const found = currentVersion(db);
  if (found > known) throw new SchemaTooNewError(found, known);
  const record = db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)");
  for (const migration of migrations.slice(found)) {
    // IMMEDIATE takes the write lock before reading the version again, so two processes opening the
    // same new file at once apply each migration once.
    db.transaction(() => {
      if (currentVersion(db) >= migration.version) return;
      db.exec(migration.up);
      record.run(migration.version, migration.name, appliedAt);
    }).immediate();
  }
  return currentVersion(db);
}
