import { z } from "zod";
import type { FollowUp, FollowUpStore, Transition } from "../types.js";
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
  };
}

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

export function postgresFollowUps(db: Db): FollowUpStore {
  const rows = async (text: string, params: unknown[]) => (await db.query(text, params)).rows;
  return {
    async create(followUp) {
      const [row] = await rows(INSERT, [
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
      ]);
      return read(row);
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
