import type Database from "better-sqlite3";
import { z } from "zod";
import { burstOf, takeTokens } from "../token-bucket.js";
import type { FollowUp, FollowUpStore, LeasedFollowUp, LeaseRequest, Transition } from "../types.js";
import { jsonColumn } from "./json.js";

const StringMap = z.record(z.string(), z.string());

const Row = z.object({
  id: z.string(),
  correlation_id: z.string(),
  operation_id: z.string(),
  title: z.string(),
  poll: jsonColumn(z.object({ operationId: z.string(), args: StringMap })),
  prefill: jsonColumn(StringMap),
  settle_on: jsonColumn(z.array(z.string())).nullable(),
  cancel: jsonColumn(z.object({ operationId: z.string(), args: StringMap, label: z.string() })).nullable(),
  requester_id: z.string(),
  identity: z.string().nullable(),
  channel_id: z.string(),
  backend: z.string(),
  parent_ts: z.string().nullable(),
  state: z.string().nullable(),
  seq: z.number().int(),
  status: z.enum(["active", "succeeded", "failed", "unknown", "cancelled"]),
  started_at: z.number(),
  next_poll_at: z.number(),
  timeout_at: z.number(),
  updated_at: z.number(),
  polls: z.number().int(),
  failures: z.number().int(),
  last_error: z.string().nullable(),
  lease_owner: z.string().nullable(),
  lease_until: z.number().nullable(),
});

const TransitionRow = z.object({
  followup_id: z.string(),
  seq: z.number().int(),
  state: z.string(),
  terminal: z.number().int(),
  at: z.number(),
  posted_ts: z.string().nullable(),
});

function read(row: unknown): FollowUp {
  const parsed = Row.parse(row);
  return {
    id: parsed.id,
    correlationId: parsed.correlation_id,
    operationId: parsed.operation_id,
    title: parsed.title,
    poll: { operationId: parsed.poll.operationId, args: parsed.poll.args },
    prefill: parsed.prefill,
    ...(parsed.settle_on === null ? {} : { settleOn: parsed.settle_on }),
    ...(parsed.cancel === null ? {} : { cancel: parsed.cancel }),
    requesterId: parsed.requester_id,
    ...(parsed.identity === null ? {} : { identity: parsed.identity }),
    channelId: parsed.channel_id,
    backend: parsed.backend,
    ...(parsed.parent_ts === null ? {} : { parentTs: parsed.parent_ts }),
    ...(parsed.state === null ? {} : { state: parsed.state }),
    seq: parsed.seq,
    status: parsed.status,
    startedAt: parsed.started_at,
    nextPollAt: parsed.next_poll_at,
    timeoutAt: parsed.timeout_at,
    updatedAt: parsed.updated_at,
    polls: parsed.polls,
    failures: parsed.failures,
    ...(parsed.last_error === null ? {} : { lastError: parsed.last_error }),
    ...(parsed.lease_owner === null ? {} : { leaseOwner: parsed.lease_owner }),
    ...(parsed.lease_until === null ? {} : { leaseUntil: parsed.lease_until }),
  };
}

const Lapsed = z.object({ lapsed_owner: z.string().nullable() });

/**
 * Leases are judged by SQLite's clock, which is the host's: every process on one file shares it (WAL
 * does not work across hosts). Read once per transaction, so one claim compares against one instant.
 */
const DB_NOW = "SELECT CAST(unixepoch('subsec') * 1000 AS INTEGER) AS now";
const DbNow = z.object({ now: z.number().int() });
const BudgetRow = z.object({ tokens: z.number(), at: z.number() });

function readTransition(row: unknown): Transition {
  const parsed = TransitionRow.parse(row);
  return {
    followUpId: parsed.followup_id,
    seq: parsed.seq,
    state: parsed.state,
    terminal: parsed.terminal === 1,
    at: parsed.at,
    ...(parsed.posted_ts === null ? {} : { postedTs: parsed.posted_ts }),
  };
}

export function sqliteFollowUps(db: Database.Database): FollowUpStore {
  const statements = {
    dbNow: db.prepare(DB_NOW),
    insert: db.prepare(`
      INSERT INTO followups (id, correlation_id, operation_id, title, poll, prefill, settle_on, cancel, requester_id,
        identity, channel_id, backend, status, started_at, next_poll_at, timeout_at, updated_at)
      VALUES (@id, @correlation_id, @operation_id, @title, @poll, @prefill, @settle_on, @cancel, @requester_id,
        @identity, @channel_id, @backend, 'active', @started_at, @next_poll_at, @timeout_at, @started_at)`),
    get: db.prepare("SELECT * FROM followups WHERE id = ?"),
    setParent: db.prepare("UPDATE followups SET parent_ts = ? WHERE id = ?"),
    due: db.prepare(
      "SELECT * FROM followups WHERE status = 'active' AND next_poll_at <= ? ORDER BY next_poll_at LIMIT ?",
    ),
    active: db.prepare("SELECT * FROM followups WHERE status = 'active' ORDER BY started_at"),
    polled: db.prepare(`
      UPDATE followups SET next_poll_at = @next, polls = polls + 1, updated_at = @now,
        failures = CASE WHEN @error IS NULL THEN 0 ELSE failures + 1 END, last_error = @error
      WHERE id = @id`),
    advance: db.prepare(`
      UPDATE followups SET seq = seq + 1, state = @state, status = @status, next_poll_at = @next, polls = polls + 1,
        failures = 0, last_error = NULL, updated_at = @now
      WHERE id = @id AND seq = @expected AND status = 'active'`),
    addTransition: db.prepare(
      "INSERT INTO followup_transitions (followup_id, seq, state, terminal, at) VALUES (?, ?, ?, ?, ?)",
    ),
    markPosted: db.prepare("UPDATE followup_transitions SET posted_ts = ? WHERE followup_id = ? AND seq = ?"),
    unposted: db.prepare(
      "SELECT * FROM followup_transitions WHERE followup_id = ? AND posted_ts IS NULL ORDER BY seq",
    ),
    transitions: db.prepare("SELECT * FROM followup_transitions WHERE followup_id = ? ORDER BY seq"),
    end: db.prepare(
      "UPDATE followups SET status = @status, last_error = @note, updated_at = @now WHERE id = @id AND status = 'active'",
    ),
    byRequester: db.prepare(
      "SELECT * FROM followups WHERE requester_id = ? ORDER BY started_at DESC LIMIT ?",
    ),
    countActive: db.prepare("SELECT count(*) AS n FROM followups WHERE status = 'active'"),
    // Free: nobody holds it, or its holder's lease ran out. Ended rows come back only with a lapsed
    // holder, whose final state may be recorded and not posted.
    claimable: db.prepare(`
      SELECT *, CASE WHEN lease_until < @db_now THEN lease_owner END AS lapsed_owner FROM followups
      WHERE (@backend IS NULL OR backend = @backend) AND (
        (status = 'active' AND next_poll_at <= @now AND (lease_owner IS NULL OR lease_until < @db_now))
        OR (status <> 'active' AND lease_owner IS NOT NULL AND lease_until < @db_now))
      ORDER BY next_poll_at LIMIT @limit`),
    claimOne: db.prepare(`
      SELECT *, CASE WHEN lease_until < @db_now THEN lease_owner END AS lapsed_owner FROM followups
      WHERE id = @id AND status = 'active' AND (lease_owner IS NULL OR lease_until < @db_now)`),
    lease: db.prepare("UPDATE followups SET lease_owner = @owner, lease_until = @until WHERE id = @id"),
    extend: db.prepare(
      "UPDATE followups SET lease_until = @until WHERE id = @id AND lease_owner = @owner RETURNING id",
    ),
    release: db.prepare(
      "UPDATE followups SET lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ?",
    ),
    budget: db.prepare("SELECT tokens, at FROM followup_poll_budget WHERE backend = ?"),
    saveBudget: db.prepare(`
      INSERT INTO followup_poll_budget (backend, tokens, at) VALUES (@backend, @tokens, @at)
      ON CONFLICT (backend) DO UPDATE SET tokens = excluded.tokens, at = excluded.at`),
  };
  const dbNow = () => DbNow.parse(statements.dbNow.get()).now;
  const leaseRows = (rows: unknown[], lease: LeaseRequest): LeasedFollowUp[] => {
    const until = dbNow() + lease.leaseMs;
    return rows.map((row) => {
      const { id } = z.object({ id: z.string() }).parse(row);
      statements.lease.run({ id, owner: lease.owner, until });
      const lapsed = Lapsed.parse(row).lapsed_owner;
      return { followUp: must(id), ...(lapsed === null ? {} : { lapsedFrom: lapsed }) };
    });
  };
  // IMMEDIATE: the write lock is taken before the read, so two processes never lease the same row.
  const claimDue = db.transaction(
    (now: number, limit: number, lease: LeaseRequest, backend: string | null): LeasedFollowUp[] =>
      leaseRows(statements.claimable.all({ now, limit, backend, db_now: dbNow() }), lease),
  );
  const claimOne = db.transaction((id: string, lease: LeaseRequest): LeasedFollowUp | undefined => {
    const row = statements.claimOne.get({ id, db_now: dbNow() });
    return row === undefined ? undefined : leaseRows([row], lease)[0];
  });
  const extend = db.transaction((ids: readonly string[], lease: LeaseRequest): string[] => {
    const until = dbNow() + lease.leaseMs;
    return ids.filter((id) => statements.extend.get({ id, owner: lease.owner, until }) !== undefined);
  });
  const takePolls = db.transaction((backend: string, wanted: number, perSecond: number): number => {
    const now = dbNow();
    const found = statements.budget.get(backend);
    const bucket = found === undefined ? { tokens: burstOf(perSecond), at: now } : BudgetRow.parse(found);
    const taken = takeTokens(bucket, now, perSecond, wanted);
    statements.saveBudget.run({ backend, tokens: taken.bucket.tokens, at: taken.bucket.at });
    return taken.granted;
  });
  const must = (id: string): FollowUp => {
    const row = statements.get.get(id);
    if (row === undefined) throw new Error(`follow-up ${id} vanished`);
    return read(row);
  };
  const transition = db.transaction(
    (
      id: string,
      change: { expectedSeq: number; state: string; terminal?: FollowUp["status"]; nextPollAt: number },
      now: number,
    ) => {
      const changed = statements.advance.run({
        id,
        expected: change.expectedSeq,
        state: change.state,
        status: change.terminal ?? "active",
        next: change.nextPollAt,
        now,
      }).changes;
      if (changed !== 1) return undefined;
      const seq = change.expectedSeq + 1;
      statements.addTransition.run(id, seq, change.state, change.terminal ? 1 : 0, now);
      return {
        followUp: must(id),
        transition: {
          followUpId: id,
          seq,
          state: change.state,
          terminal: change.terminal !== undefined,
          at: now,
        },
      };
    },
  );
  return {
    async create(followUp, lease) {
      const insert = db.transaction(() => {
        statements.insert.run({
          id: followUp.id,
          correlation_id: followUp.correlationId,
          operation_id: followUp.operationId,
          title: followUp.title,
          poll: JSON.stringify(followUp.poll),
          prefill: JSON.stringify(followUp.prefill),
          settle_on: followUp.settleOn ? JSON.stringify(followUp.settleOn) : null,
          cancel: followUp.cancel ? JSON.stringify(followUp.cancel) : null,
          requester_id: followUp.requesterId,
          identity: followUp.identity ?? null,
          channel_id: followUp.channelId,
          backend: followUp.backend,
          started_at: followUp.startedAt,
          next_poll_at: followUp.nextPollAt,
          timeout_at: followUp.timeoutAt,
        });
        if (lease)
          statements.lease.run({ id: followUp.id, owner: lease.owner, until: dbNow() + lease.leaseMs });
      });
      insert.immediate();
      return must(followUp.id);
    },
    async get(id) {
      const row = statements.get.get(id);
      return row === undefined ? undefined : read(row);
    },
    async setParent(id, ts) {
      statements.setParent.run(ts, id);
    },
    async due(now, limit) {
      return statements.due.all(now, limit).map(read);
    },
    async active() {
      return statements.active.all().map(read);
    },
    async countActive() {
      return z.object({ n: z.number().int() }).parse(statements.countActive.get()).n;
    },
    async claimDue(now, limit, lease, backend) {
      return claimDue.immediate(now, limit, lease, backend ?? null);
    },
    async claim(id, lease) {
      return claimOne.immediate(id, lease);
    },
    async extend(ids, lease) {
      return ids.length === 0 ? [] : extend.immediate(ids, lease);
    },
    async release(id, owner) {
      statements.release.run(id, owner);
    },
    async takePolls(backend, wanted, perSecond) {
      return wanted <= 0 ? 0 : takePolls.immediate(backend, wanted, perSecond);
    },
    async polled(id, result, now) {
      statements.polled.run({ id, next: result.nextPollAt, error: result.error ?? null, now });
      return must(id);
    },
    async transition(id, change, now) {
      return transition.immediate(id, change, now);
    },
    async markPosted(id, seq, ts) {
      statements.markPosted.run(ts, id, seq);
    },
    async unposted(id) {
      return statements.unposted.all(id).map(readTransition);
    },
    async transitions(id) {
      return statements.transitions.all(id).map(readTransition);
    },
    async end(id, status, note, now) {
      return statements.end.run({ id, status, note, now }).changes === 1 ? must(id) : undefined;
    },
    async listByRequester(userId, limit) {
      return statements.byRequester.all(userId, limit).map(read);
    },
  };
}
