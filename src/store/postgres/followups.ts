import { z } from "zod";
import { burstOf, takeTokens } from "../token-bucket.js";
import type { FollowUp, FollowUpStore, LeasedFollowUp, Transition } from "../types.js";
import type { Db } from "./db.js";
import { json, StringMap } from "./rows.js";

const Row = z.object({
  id: z.string(),
  correlation_id: z.string(),
  operation_id: z.string(),
  title: z.string(),
  poll: z.object({ operationId: z.string(), args: StringMap }),
  prefill: StringMap,
  settle_on: z.array(z.string()).nullable(),
  cancel: z.object({ operationId: z.string(), args: StringMap, label: z.string() }).nullable(),
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
  terminal: z.boolean(),
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

/** A row just leased (RETURNING order is not the claim's): soonest first again. */
function readLeased(rows: unknown[]): LeasedFollowUp[] {
  return rows
    .map((row) => {
      const lapsed = Lapsed.parse(row).lapsed_owner;
      return { followUp: read(row), ...(lapsed === null ? {} : { lapsedFrom: lapsed }) };
    })
    .sort((a, b) => a.followUp.nextPollAt - b.followUp.nextPollAt);
}

/**
 * Leases are judged by the database's clock, never a replica's: replicas on hosts whose clocks drift
 * apart would otherwise take each other's leases early. statement_timestamp() is one instant per
 * statement, so a claim compares and stamps with the same time.
 */
const DB_NOW = "(extract(epoch FROM statement_timestamp()) * 1000)::bigint";

// Free: nobody holds it, or its holder's lease ran out. Ended rows come back only with a lapsed holder,
// whose final state may be recorded and not posted. SKIP LOCKED: concurrent claimers pass over the rows
// another is taking instead of waiting for them, and never get the same one.
const CLAIM_DUE = `
  UPDATE followups f SET lease_owner = $3, lease_until = ${DB_NOW} + $4
  FROM (
    SELECT id, CASE WHEN lease_until < ${DB_NOW} THEN lease_owner END AS lapsed_owner FROM followups
    WHERE ($5::text IS NULL OR backend = $5) AND (
      (status = 'active' AND next_poll_at <= $1 AND (lease_owner IS NULL OR lease_until < ${DB_NOW}))
      OR (status <> 'active' AND lease_owner IS NOT NULL AND lease_until < ${DB_NOW}))
    ORDER BY next_poll_at LIMIT $2
    FOR UPDATE SKIP LOCKED
  ) claimed
  WHERE f.id = claimed.id
  RETURNING f.*, claimed.lapsed_owner`;

const CLAIM_ONE = `
  UPDATE followups f SET lease_owner = $2, lease_until = ${DB_NOW} + $3
  FROM (
    SELECT id, CASE WHEN lease_until < ${DB_NOW} THEN lease_owner END AS lapsed_owner FROM followups
    WHERE id = $1 AND status = 'active' AND (lease_owner IS NULL OR lease_until < ${DB_NOW})
    FOR UPDATE SKIP LOCKED
  ) claimed
  WHERE f.id = claimed.id
  RETURNING f.*, claimed.lapsed_owner`;

const BudgetRow = z.object({ tokens: z.number(), at: z.number(), now: z.number() });

function readTransition(row: unknown): Transition {
  const parsed = TransitionRow.parse(row);
  return {
    followUpId: parsed.followup_id,
    seq: parsed.seq,
    state: parsed.state,
    terminal: parsed.terminal,
    at: parsed.at,
    ...(parsed.posted_ts === null ? {} : { postedTs: parsed.posted_ts }),
  };
}

const INSERT = `
  INSERT INTO followups (id, correlation_id, operation_id, title, poll, prefill, settle_on, cancel, requester_id,
    identity, channel_id, backend, status, started_at, next_poll_at, timeout_at, updated_at)
  VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7::jsonb, $8::jsonb, $9, $10, $11, $12, 'active', $13, $14, $15, $13)
  RETURNING *`;

const LEASE_NEW = `UPDATE followups SET lease_owner = $2, lease_until = ${DB_NOW} + $3 WHERE id = $1 RETURNING *`;

export function postgresFollowUps(db: Db): FollowUpStore {
  const rows = async (text: string, params: unknown[]) => (await db.query(text, params)).rows;
  return {
    async create(followUp, lease) {
      const params = [
        followUp.id,
        followUp.correlationId,
        followUp.operationId,
        followUp.title,
        json(followUp.poll),
        json(followUp.prefill),
        followUp.settleOn ? json(followUp.settleOn) : null,
        followUp.cancel ? json(followUp.cancel) : null,
        followUp.requesterId,
        followUp.identity ?? null,
        followUp.channelId,
        followUp.backend,
        followUp.startedAt,
        followUp.nextPollAt,
        followUp.timeoutAt,
      ];
      if (!lease) return read((await rows(INSERT, params))[0]);
      return db.transaction(async (sql) => {
        await sql(INSERT, params);
        return read((await sql(LEASE_NEW, [followUp.id, lease.owner, lease.leaseMs])).rows[0]);
      });
    },
    async get(id) {
      const [row] = await rows("SELECT * FROM followups WHERE id = $1", [id]);
      return row === undefined ? undefined : read(row);
    },
    async setParent(id, ts) {
      await db.query("UPDATE followups SET parent_ts = $1 WHERE id = $2", [ts, id]);
    },
    async due(now, limit) {
      return (
        await rows(
          "SELECT * FROM followups WHERE status = 'active' AND next_poll_at <= $1 ORDER BY next_poll_at LIMIT $2",
          [now, limit],
        )
      ).map(read);
    },
    async active() {
      return (await rows("SELECT * FROM followups WHERE status = 'active' ORDER BY started_at", [])).map(
        read,
      );
    },
    async countActive() {
      const [row] = await rows("SELECT count(*) AS n FROM followups WHERE status = 'active'", []);
      return z.object({ n: z.number().int() }).parse(row).n;
    },
    async claimDue(now, limit, lease, backend) {
      return readLeased(await rows(CLAIM_DUE, [now, limit, lease.owner, lease.leaseMs, backend ?? null]));
    },
    async claim(id, lease) {
      return readLeased(await rows(CLAIM_ONE, [id, lease.owner, lease.leaseMs]))[0];
    },
    async extend(ids, lease) {
      if (ids.length === 0) return [];
      const extended = await rows(
        `UPDATE followups SET lease_until = ${DB_NOW} + $3 WHERE id = ANY($1) AND lease_owner = $2 RETURNING id`,
        [[...ids], lease.owner, lease.leaseMs],
      );
      return extended.map((row) => z.object({ id: z.string() }).parse(row).id);
    },
    async release(id, owner) {
      await db.query(
        "UPDATE followups SET lease_owner = NULL, lease_until = NULL WHERE id = $1 AND lease_owner = $2",
        [id, owner],
      );
    },
    async takePolls(backend, wanted, perSecond) {
      if (wanted <= 0) return 0;
      return db.transaction(async (sql) => {
        // The bucket's row lock makes replicas take turns; a first taker creates it full.
        await sql(
          `INSERT INTO followup_poll_budget (backend, tokens, at) VALUES ($1, $2, ${DB_NOW})
           ON CONFLICT (backend) DO NOTHING`,
          [backend, burstOf(perSecond)],
        );
        const found = await sql(
          `SELECT tokens, at, ${DB_NOW} AS now FROM followup_poll_budget WHERE backend = $1 FOR UPDATE`,
          [backend],
        );
        const { now, ...bucket } = BudgetRow.parse(found.rows[0]);
        const taken = takeTokens(bucket, now, perSecond, wanted);
        await sql("UPDATE followup_poll_budget SET tokens = $2, at = $3 WHERE backend = $1", [
          backend,
          taken.bucket.tokens,
          taken.bucket.at,
        ]);
        return taken.granted;
      });
    },
    async polled(id, result, now) {
      const [row] = await rows(
        `UPDATE followups SET next_poll_at = $2, polls = polls + 1, updated_at = $4,
           failures = CASE WHEN $3::text IS NULL THEN 0 ELSE failures + 1 END, last_error = $3
         WHERE id = $1 RETURNING *`,
        [id, result.nextPollAt, result.error ?? null, now],
      );
      if (row === undefined) throw new Error(`follow-up ${id} vanished`);
      return read(row);
    },
    async transition(id, change, now) {
      return db.transaction(async (sql) => {
        // Compare-and-set on seq: of two polls that saw the same seq, the one whose UPDATE comes second
        // waits for the first, then finds seq moved on (READ COMMITTED re-checks the row) and records
        // nothing.
        const advanced = await sql(
          `UPDATE followups SET seq = seq + 1, state = $3, status = $4, next_poll_at = $5, polls = polls + 1,
             failures = 0, last_error = NULL, updated_at = $6
           WHERE id = $1 AND seq = $2 AND status = 'active' RETURNING *`,
          [id, change.expectedSeq, change.state, change.terminal ?? "active", change.nextPollAt, now],
        );
        const [row] = advanced.rows;
        if (row === undefined) return undefined;
        const followUp = read(row);
        await sql(
          "INSERT INTO followup_transitions (followup_id, seq, state, terminal, at) VALUES ($1, $2, $3, $4, $5)",
          [id, followUp.seq, change.state, change.terminal !== undefined, now],
        );
        const transition: Transition = {
          followUpId: id,
          seq: followUp.seq,
          state: change.state,
          terminal: change.terminal !== undefined,
          at: now,
        };
        return { followUp, transition };
      });
    },
    async markPosted(id, seq, ts) {
      await db.query("UPDATE followup_transitions SET posted_ts = $1 WHERE followup_id = $2 AND seq = $3", [
        ts,
        id,
        seq,
      ]);
    },
    async unposted(id) {
      return (
        await rows(
          "SELECT * FROM followup_transitions WHERE followup_id = $1 AND posted_ts IS NULL ORDER BY seq",
          [id],
        )
      ).map(readTransition);
    },
    async transitions(id) {
      return (await rows("SELECT * FROM followup_transitions WHERE followup_id = $1 ORDER BY seq", [id])).map(
        readTransition,
      );
    },
    async end(id, status, note, now) {
      const [row] = await rows(
        `UPDATE followups SET status = $2, last_error = $3, updated_at = $4
         WHERE id = $1 AND status = 'active' RETURNING *`,
        [id, status, note, now],
      );
      return row === undefined ? undefined : read(row);
    },
    async listByRequester(userId, limit) {
      return (
        await rows("SELECT * FROM followups WHERE requester_id = $1 ORDER BY started_at DESC LIMIT $2", [
          userId,
          limit,
        ])
      ).map(read);
    },
  };
}
