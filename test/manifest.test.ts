import { existsSync, readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { tokenizeOrThrow } from "../src/catalogue/command-line/tokenize.js";
import { createCatalogue } from "../src/catalogue/index.js";
import { parseCommand } from "../src/catalogue/parse.js";
import { manifestProblems, REQUIRED_BOT_SCOPES } from "../src/slack/manifest.js";

const root = new URL("../", import.meta.url);
const schemaFile = new URL("test/fixtures/slack-manifest.schema.1.0.0.json", root);
const sharedSchemaFile = new URL("../shared/slack/manifest-schema/schemas/manifest.schema.1.0.0.json", root);

const schema: unknown = JSON.parse(readFileSync(schemaFile, "utf8"));
// strict:false because Slack's schema uses a non-standard "regex" keyword (on background_color).
const validate = new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(
  schema as Record<string, unknown>,
);

type Manifest = Record<string, unknown> & {
  display_information: Record<string, unknown>;
  features: { slash_commands: Record<string, unknown>[] } & Record<string, unknown>;
  oauth_config: { scopes: { bot: string[] } };
  settings: Record<string, unknown> & { interactivity: Record<string, unknown> };
};

/** A fresh copy of manifest.yml for each test to mutate. */
function manifest(): Manifest {
  return parse(readFileSync(new URL("manifest.yml", root), "utf8"));
}

function schemaErrors(value: unknown): string[] {
  return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

/** Every `/ops …` example quoted in the text, as a command line (placeholders such as <id> filled in). */
function opsExamples(text: string): string[] {
  return [...text.matchAll(/"\/ops ([^"]+)"/g)].map((m) => (m[1] ?? "").replace(/<[^>]+>/g, "x1"));
}

describe("manifest.yml", () => {
  it("quotes only commands that exist", () => {
    const catalogue = createCatalogue();
    const examples = opsExamples(String(manifest().display_information.long_description));
    expect(examples.length).toBeGreaterThanOrEqual(2);
    for (const example of examples.filter((e) => !e.startsWith("help") && !e.startsWith("x1"))) {
      const parsed = parseCommand(catalogue, tokenizeOrThrow(example));
      expect({ example, kind: parsed.kind }).toEqual({ example, kind: "operation" });
    }
  });

  it("is valid against Slack's manifest schema", () => {
    expect(schemaErrors(manifest())).toEqual([]);
  });

  it("gives the code everything it needs, and no more", () => {
    expect(manifestProblems(manifest())).toEqual([]);
    expect([...manifest().oauth_config.scopes.bot].sort()).toEqual(Object.keys(REQUIRED_BOT_SCOPES).sort());
  });

  it("describes the app within Slack's length limits", () => {
    const info = manifest().display_information;
    expect(String(info.long_description).length).toBeGreaterThanOrEqual(175);
    expect(String(info.long_description).length).toBeLessThanOrEqual(4000);
  });
});

describe("the checks catch a broken manifest", () => {
  it.each<[string, (m: Manifest) => void, RegExp]>([
    [
      "a command without its slash",
      (m) => {
        m.features.slash_commands[0] = { command: "ops", description: "x" };
      },
      /must match pattern/,
    ],
    [
      "a short long_description",
      (m) => {
        m.display_information.long_description = "too short";
      },
      /long_description must NOT have fewer than 175/,
    ],
    [
      "a name over 35 characters",
      (m) => {
        m.display_information.name = "x".repeat(36);
      },
      /name must NOT have more than 35/,
    ],
    [
      "an unknown settings key",
      (m) => {
        m.settings.socket_mode = true;
      },
      /must NOT have additional properties/,
    ],
    [
      "a scope list that is not an array",
      (m) => {
        m.oauth_config.scopes = { bot: "commands" } as never;
      },
      /bot must be array/,
    ],
  ])("Slack's schema refuses %s", (_name, mutate, error) => {
    const m = manifest();
    mutate(m);
    expect(schemaErrors(m).join("\n")).toMatch(error);
  });

  it.each<[string, (m: Manifest) => void, string]>([
    [
      "no /ops command",
      (m) => {
        m.features.slash_commands = [{ command: "/deploy", description: "x" }];
      },
      "the /ops slash command is missing",
    ],
    [
      "/ops without escaping",
      (m) => {
        m.features.slash_commands[0] = { command: "/ops", description: "x" };
      },
      "/ops needs should_escape: true",
    ],
    [
      "a typo in a scope",
      (m) => {
        m.oauth_config.scopes.bot[1] = "chat:wirte";
      },
      "bot scope chat:write is missing (chat.postMessage, chat.update, chat.postEphemeral and views.*)",
    ],
    [
      "an unused scope",
      (m) => {
        m.oauth_config.scopes.bot.push("reactions:write");
      },
      "bot scope reactions:write is not used by the code: remove it or add it to REQUIRED_BOT_SCOPES",
    ],
    [
      "no app_home_opened event",
      (m) => {
        m.settings.event_subscriptions = { bot_events: [] };
      },
      "bot event app_home_opened is not subscribed",
    ],
    [
      "interactivity off",
      (m) => {
        m.settings.interactivity.is_enabled = false;
      },
      "interactivity must be enabled for buttons and modals",
    ],
    [
      "a request URL in socket mode",
      (m) => {
        m.settings.interactivity.request_url = "https://ops.example.com/slack/events";
      },
      "socket mode needs no request URLs, found: https://ops.example.com/slack/events",
    ],
  ])("our own check refuses %s", (_name, mutate, problem) => {
    const m = manifest();
    mutate(m);
    // Each of these is valid to Slack's schema: only the check against the code catches it.
    expect(schemaErrors(m)).toEqual([]);
    expect(manifestProblems(m)).toContain(problem);
  });
});

describe("the schema copy", () => {
  // Compared as JSON: Biome reformats the copy's whitespace.
  it.skipIf(!existsSync(sharedSchemaFile))(
    "has the content of the research copy in ../shared when present",
    () => {
      expect(schema).toEqual(JSON.parse(readFileSync(sharedSchemaFile, "utf8")));
    },
  );
});
