/**
 * A separate process racing for the same approval request (or for a dead process's requests): it opens the store, says "ready", and on
 * "go" fires its calls at once and reports what it got. Run by concurrency.test.ts through tsx.
 */
import { openStore } from "../../src/store/index.js";

const [location, schema, op, id, countText, who] = process.argv.slice(2);
if (
  !location ||
  schema === undefined ||
  !id ||
  !who ||
  (op !== "claim" && op !== "approve" && op !== "takeover")
)
  throw new Error("usage: file-or-url schema|'' claim|approve|takeover id n who");
const count = Number(countText);
// An SQLite file or a PostgreSQL URL (with the test's schema): openStore tells which.
const store = await openStore(location, schema === "" ? {} : { schema });
const send = (message: unknown) => process.send?.(message);
// A survivor is registered before it takes anything over, as the core does at start-up.
if (op === "takeover") await store.processes.register(who);

process.on("message", async () => {
  const results = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      if (op === "takeover")
        return (await store.approvals.takeOverInterrupted(30_000, who, 500)).map((r) => r.id).join(",");
      if (op === "claim")
        return (await store.approvals.claimForExecution(id, 2_000, "proc-a")) ? "won" : "lost";
      const result = await store.approvals.approve(id, `${who}-${i % 3}`, 1_000);
      return result.kind === "recorded" && result.complete ? "completed" : result.kind;
    }),
  );
  await store.close();
  send({ results });
  process.disconnect();
});
send("ready");
