import { defineOperation } from "../define.js";

/** `/ops whoami`: the identity opsbot uses for you, your roles here, and where the roles come from. */
export const whoami = defineOperation({
  id: "whoami",
  resource: "whoami",
  verb: "",
  summary: "The identity and the roles opsbot uses for you",
  risk: "read",
  backend: "opsbot",
  needsIdentity: false,
  args: {},
  open: () => true,
  run: (ctx) => ctx.opsbot.whoami(),
  render: (me) => ({
    kind: "record",
    title: "Who you are to opsbot",
    text: [me.policy, ...warningLines(me.warnings ?? [])].join("\n"),
    fields: [
      { label: "Deploy API identity", value: me.identity },
      { label: "Roles here", value: me.roles.length > 0 ? me.roles.join(", ") : "none" },
    ],
  }),
});

/** The permissions file's warnings, as admins see them under their roles. */
function warningLines(warnings: readonly string[]): string[] {
  if (warnings.length === 0) return [];
  const count = `${warnings.length} warning${warnings.length === 1 ? "" : "s"}`;
  return ["", `⚠️ The permissions file has ${count} (shown to admins):`, ...warnings.map((w) => `• ${w}`)];
}
