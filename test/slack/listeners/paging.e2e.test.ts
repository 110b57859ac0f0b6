import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CALYPTIA_SEED } from "../../../devkit/sim/calyptia.js";
import { DEPLOY_SEED } from "../../../devkit/sim/deploy-data.js";
import { createCatalogue } from "../../../src/catalogue/index.js";
import { type AppStack, simulatorBackendsEnv, startAppStack } from "../../helpers/app-stack.js";

/**
 * One paging vocabulary for every list, through the real receiver with signed requests: `--limit` and
 * `--cursor` on a list the backend pages (Calyptia ports) and on one opsbot pages (Deploy namespaces),
 * the More line to follow, the former spellings with their hint, and a bad cursor.
 */

let stack: AppStack;
const { pipelineId } = CALYPTIA_SEED;

beforeAll(async () => {
  stack = await startAppStack({
    catalogue: createCatalogue(),
    users: [{ id: "U0ALICE", name: "alice", email: "alice@example.com" }],
    env: simulatorBackendsEnv,
  });
  for (const port of [5140, 5141, 5142])
    await stack.api.calyptia.createPipelinePort({
      pipelineID: pipelineId,
      protocol: "tcp",
      frontendPort: port,
      backendPort: port,
      endpoint: "203.0.113.7",
    });
});
afterAll(() => stack.close());

/** A read's reply, as text: what the person who asked sees. */
async function read(text: string): Promise<string> {
  const command = stack.fx.command({ text });
  const ack = await stack.send.command(command);
  expect(ack.status).toBe(200);
  const body = await stack.responseFor(command.response_url);
  expect(body.response_type).toBe("ephemeral");
  return JSON.stringify(body.blocks);
}

/** The command a reply's More line offers, unescaped as a person would copy it. */
function moreCommand(reply: string): string | undefined {
  const match = /More: `\/ops ([^`]+)`/.exec(reply);
  return match?.[1]?.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

const portsIn = (reply: string) => [...reply.matchAll(/tcp (\d+) →/g)].map((m) => m[1]);

describe("paging every list with --limit and --cursor", () => {
  it("pages a list the backend pages, and following the More line gives the next page", async () => {
    const first = await read(`port list ${pipelineId} --limit 2`);
    expect(portsIn(first)).toHaveLength(2);
    const next = moreCommand(first);
    expect(next).toMatch(new RegExp(`^port list ${pipelineId} --limit 2 --cursor \\S+$`));
    const second = await read(next ?? "");
    expect(portsIn(second)).toHaveLength(1);
    expect(portsIn(second)[0]).not.toBeOneOf(portsIn(first));
    expect(moreCommand(second)).toBeUndefined();
    expect(stack.sims.calyptia.requests.at(-1)?.url).toContain("last=2");
    expect(stack.sims.calyptia.requests.at(-1)?.url).toContain("before=");
  });

  it("pages a list the backend answers whole, with a cursor opsbot issues", async () => {
    const first = await read("namespace list --limit 1");
    const next = moreCommand(first);
    expect(next).toMatch(/^namespace list --limit 1 --cursor \S+$/);
    const second = await read(next ?? "");
    expect(moreCommand(second)).toBeUndefined();
    const [a, b] = DEPLOY_SEED.namespaces;
    expect([first.includes(`*${a}*`), second.includes(`*${b}*`)]).toEqual([true, true]);
    expect(second).not.toContain(`*${a}*`);
  });

  it("takes the former spellings with a one-line hint, and offers the next page in the current ones", async () => {
    const reply = await read(`port list ${pipelineId} --last 2`);
    expect(portsIn(reply)).toHaveLength(2);
    expect(reply).toContain("`--last` is now `--limit`.");
    const next = moreCommand(reply);
    expect(next).toContain("--cursor ");
    expect(next).not.toContain("--before");
    const cursor = next?.split("--cursor ")[1] ?? "";
    const following = await read(`port list ${pipelineId} --before ${cursor} --page-size 2`);
    expect(following).toContain("`--before` is now `--cursor`.");
    expect(following).toContain("`--page-size` is now `--limit`.");
    expect(portsIn(following)).toHaveLength(1);
    const artefacts = await read("artefact list --page-size 1");
    expect(artefacts).toContain("`--page-size` is now `--limit`.");
    const token = moreCommand(artefacts)?.split("--cursor ")[1];
    expect(token).toBeTruthy();
    const later = await read(`artefact list --page-size 1 --page-token ${token}`);
    expect(later).toContain("`--page-token` is now `--cursor`.");
    expect(stack.sims.orchestration.requests.at(-1)?.url).toContain(`page_token=${token}`);
  });

  it("refuses a cursor opsbot did not issue before calling the backend, saying so", async () => {
    const calls = stack.sims.deploy.requests.length;
    const res = await stack.send.command(stack.fx.command({ text: "namespace list --cursor nonsense" }));
    const text = JSON.stringify(res.json());
    expect(text).toContain("is not a cursor this list gave: run the list again without it");
    expect(stack.sims.deploy.requests.length).toBe(calls);
    const former = await stack.send.command(stack.fx.command({ text: "pod list --before nonsense" }));
    expect(JSON.stringify(former.json())).toContain("`--before` is now `--cursor`.");
  });

  it("says a cursor the backend does not know is the problem, and the way out", async () => {
    for (const text of [
      `port list ${pipelineId} --cursor bm90LWEtY3Vyc29y`,
      "artefact list --cursor bm90LWEtdG9rZW4",
    ]) {
      const command = stack.fx.command({ text });
      await stack.send.command(command);
      const reply = JSON.stringify(await stack.responseFor(command.response_url));
      expect(reply).toMatch(
        /The backend refused this page, the request was rejected as invalid: (decode cursor|invalid page_token) \(HTTP 400\)\./,
      );
      expect(reply).toContain(
        "Give `--cursor` exactly as a More line gave it, or run the list again without it.",
      );
    }
  });

  it("refuses a limit out of range on every list", async () => {
    for (const text of ["namespace list --limit 0", `port list ${pipelineId} --limit 1001`]) {
      const res = await stack.send.command(stack.fx.command({ text }));
      expect(JSON.stringify(res.json())).toMatch(/must be (at least 1|at most 1000)/);
    }
  });
});
