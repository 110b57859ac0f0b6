import { machine, machineLine, type Row, type Suite, table } from "./report.js";
import { apiClientSuite } from "./suites/api-client.js";
import { followUpSuite } from "./suites/followups.js";
import { replicasSuite } from "./suites/replicas.js";
import { slackAckSuite } from "./suites/slack-ack.js";

/**
 * `npm run bench`: runs every suite and prints one table (`-- --json`: one JSON object on stdout,
 * progress on stderr). A later benchmark (Slack ack latency, follow-ups) is one more Suite in this list.
 */
const argument = (flag: string) =>
  process.argv.includes(flag) ? process.argv[process.argv.indexOf(flag) + 1] : undefined;
// `-- --ops 200`: fewer followed operations in the replicas suite, for a quick run.
const ops = Number(argument("--ops") ?? process.env.BENCH_REPLICAS_OPS ?? "1000");
if (!Number.isInteger(ops) || ops < 1) throw new Error("--ops must be a whole number above 0");
const all: readonly Suite[] = [
  apiClientSuite(),
  slackAckSuite(),
  followUpSuite(),
  replicasSuite({ operations: ops }),
  // The same ack load on the bot with its two stores: PostgreSQL (what replicas share) against SQLite.
  slackAckSuite({
    name: "replicas: /ops ack, PostgreSQL (floor: SQLite)",
    subject: "opsbot-postgres",
    floor: "opsbot",
    loads: [
      { label: "c=1 paced 5 ms", workers: 1, pauseMs: 5, judged: true },
      { label: "c=200", workers: 200, pauseMs: 0, judged: true },
    ],
    modal: false,
  }),
];

const json = process.argv.includes("--json");
// `-- --only slack` runs the suites whose name contains "slack".
const only = argument("--only");
if (process.argv.includes("--only") && !only)
  throw new Error("--only needs a word: a part of a suite's name");
const suites = only ? all.filter((s) => s.name.includes(only)) : all;
const log = (line: string) => process.stderr.write(`${line}\n`);
if (suites.length === 0) {
  log(
    `bench: no suite's name contains "${only}"; the suites are:\n${all.map((s) => `  ${s.name}`).join("\n")}`,
  );
  process.exit(2);
}

const started = performance.now();
const rows: Row[] = [];
const failed: string[] = [];
// A suite that fails (a bot that did not answer in time on a loaded machine) loses its own figures only.
for (const suite of suites) {
  try {
    rows.push(...(await suite.run(log)));
  } catch (error) {
    failed.push(suite.name);
    log(`${suite.name}: FAILED: ${error instanceof Error ? error.message : String(error)}`);
  }
}
const info = machine();
const seconds = Math.round((performance.now() - started) / 100) / 10;
log(`bench: ${rows.length} figures in ${seconds} s${failed.length ? `; failed: ${failed.join(", ")}` : ""}`);

if (json) process.stdout.write(`${JSON.stringify({ machine: info, rows })}\n`);
else process.stdout.write(`${table(rows)}\n\n${machineLine(info)}\n`);
if (failed.length) process.exitCode = 1;
