import type {
  BasicElementAction,
  BlockAction,
  BlockSuggestion,
  ButtonAction,
  SlashCommand,
  StaticSelectAction,
  types,
  ViewClosedAction,
  ViewOutput,
  ViewStateValue,
  ViewSubmitAction,
} from "@slack/bolt";

/**
 * Typed payloads as Slack sends them to a Bolt app, for tests and the demo console. trigger_ids and
 * response_urls come from an issuer, normally the Slack stand-in, so that the app's views.open and
 * respond() calls land there and are checked like Slack would check them.
 */

export interface FixtureIds {
  readonly teamId: string;
  readonly teamDomain: string;
  readonly appId: string;
  readonly botId: string;
  readonly botUserId: string;
  readonly userId: string;
  readonly userName: string;
  readonly channelId: string;
  readonly channelName: string;
  /** The legacy verification token Slack still puts in payloads; Bolt ignores it. */
  readonly verificationToken: string;
}

/** Matches the stand-in's default identity, so fixtures and stand-in agree without configuration. */
export const DEFAULT_FIXTURE_IDS: FixtureIds = {
  teamId: "T0STANDIN",
  teamDomain: "standin",
  appId: "A0OPSBOT",
  botId: "B0OPSBOT",
  botUserId: "U0OPSBOT",
  userId: "U0ALICE",
  userName: "alice",
  channelId: "C0OPS0001",
  channelName: "ops",
  verificationToken: "verification-token",
};

/** What the stand-in offers (SlackStandIn satisfies this), declared here so fixtures need no server. */
export interface InteractionIssuer {
  issueTriggerId(context?: { user?: string; viewId?: string }): string;
  issueResponseUrl(context?: { channel?: string; user?: string }): string;
}

/** Well-formed IDs and URLs that nothing accepts, for payloads whose follow-up calls do not matter. */
export function placeholderIssuer(): InteractionIssuer {
  let n = 0;
  return {
    issueTriggerId: () => `${++n}.1.${"0".repeat(32)}`,
    // Port 9 (discard) refuses connections on loopback, so a stray respond() fails fast.
    issueResponseUrl: () => `http://127.0.0.1:9/response/placeholder-${++n}`,
  };
}

export type ViewValues = Record<string, Record<string, ViewStateValue>>;

/** `view.state.values` entries as each input element reports them. */
export const stateValue = {
  text: (value: string | null, type = "plain_text_input"): ViewStateValue => ({ type, value }),
  staticSelect: (value: string, text = value): ViewStateValue => ({
    type: "static_select",
    selected_option: { text: { type: "plain_text", text }, value },
  }),
  checkboxes: (values: readonly string[]): ViewStateValue => ({
    type: "checkboxes",
    selected_options: values.map((value) => ({ text: { type: "plain_text", text: value }, value })),
  }),
  users: (ids: readonly string[]): ViewStateValue => ({
    type: "multi_users_select",
    selected_users: [...ids],
  }),
};

export interface ViewOptions {
  readonly callbackId: string;
  /** Use the stand-in's view id when the app opened the view there. */
  readonly id?: string;
  readonly values?: ViewValues;
  readonly privateMetadata?: string;
  readonly externalId?: string;
  readonly title?: string;
  readonly blocks?: types.KnownBlock[];
}

export interface ActorOptions {
  readonly user?: string;
  readonly channel?: string;
}

export function createSlackFixtures(
  issuer: InteractionIssuer = placeholderIssuer(),
  overrides: Partial<FixtureIds> = {},
) {
  const ids: FixtureIds = { ...DEFAULT_FIXTURE_IDS, ...overrides };
  const team = { id: ids.teamId, domain: ids.teamDomain };
  const common = { token: ids.verificationToken, api_app_id: ids.appId, team };
  const plain = (text: string) => ({ type: "plain_text" as const, text });
  let seq = 0;
  const actionTs = () => `${Math.floor(Date.now() / 1000)}.${String(++seq).padStart(6, "0")}`;
  const userOf = (user = ids.userId) => ({ id: user, name: ids.userName, team_id: ids.teamId });

  function command(fields: Partial<SlashCommand> = {}): SlashCommand {
    const user = fields.user_id ?? ids.userId;
    const channel = fields.channel_id ?? ids.channelId;
    return {
      token: ids.verificationToken,
      command: "/ops",
      text: "",
      user_id: user,
      user_name: ids.userName,
      team_id: ids.teamId,
      team_domain: ids.teamDomain,
      channel_id: channel,
      channel_name: ids.channelName,
      api_app_id: ids.appId,
      trigger_id: issuer.issueTriggerId({ user }),
      response_url: issuer.issueResponseUrl({ channel, user }),
      ...fields,
    };
  }

  function button(
    actionId: string,
    o: { value?: string; blockId?: string; text?: string } = {},
  ): ButtonAction {
    return {
      type: "button",
      action_id: actionId,
      block_id: o.blockId ?? "actions",
      action_ts: actionTs(),
      text: plain(o.text ?? actionId),
      ...(o.value === undefined ? {} : { value: o.value }),
    };
  }

  function staticSelect(actionId: string, value: string, o: { blockId?: string; text?: string } = {}) {
    const action: StaticSelectAction = {
      type: "static_select",
      action_id: actionId,
      block_id: o.blockId ?? "actions",
      action_ts: actionTs(),
      selected_option: { text: plain(o.text ?? value), value },
    };
    return action;
  }

  function view(o: ViewOptions): ViewOutput {
    const id = o.id ?? `V0FIXTURE${++seq}`;
    return {
      id,
      type: "modal",
      callback_id: o.callbackId,
      team_id: ids.teamId,
      app_id: ids.appId,
      bot_id: ids.botId,
      title: plain(o.title ?? "opsbot"),
      blocks: o.blocks ?? [],
      close: plain("Cancel"),
      submit: plain("Submit"),
      state: { values: o.values ?? {} },
      hash: `${Math.floor(Date.now() / 1000)}.fixture`,
      private_metadata: o.privateMetadata ?? "",
      root_view_id: id,
      previous_view_id: null,
      clear_on_close: false,
      notify_on_close: true,
      ...(o.externalId === undefined ? {} : { external_id: o.externalId }),
    };
  }

  /** A click in a message (give `message`) or in a modal (give `view`, whose state values come along). */
  function blockActions<A extends BasicElementAction>(
    action: A,
    o: ActorOptions & { message?: { ts: string; text?: string }; view?: ViewOutput } = {},
  ): BlockAction<A> {
    const user = o.user ?? ids.userId;
    const channel = o.channel ?? ids.channelId;
    const base = {
      ...common,
      type: "block_actions" as const,
      actions: [action],
      user: { id: user, username: ids.userName, name: ids.userName, team_id: ids.teamId },
      trigger_id: issuer.issueTriggerId({ user, ...(o.view ? { viewId: o.view.id } : {}) }),
    };
    if (o.view) {
      return {
        ...base,
        container: { type: "view", view_id: o.view.id },
        view: o.view,
        state: { values: o.view.state.values },
        response_url: issuer.issueResponseUrl({ user }),
      };
    }
    const ts = o.message?.ts ?? actionTs();
    return {
      ...base,
      container: { type: "message", message_ts: ts, channel_id: channel, is_ephemeral: false },
      channel: { id: channel, name: ids.channelName },
      message: { type: "message", ts, user: ids.botUserId, text: o.message?.text ?? "" },
      response_url: issuer.issueResponseUrl({ channel, user }),
    };
  }

  function viewSubmission(submitted: ViewOutput, o: ActorOptions = {}): ViewSubmitAction {
    const user = o.user ?? ids.userId;
    return {
      ...common,
      type: "view_submission",
      user: userOf(user),
      view: submitted,
      trigger_id: issuer.issueTriggerId({ user, viewId: submitted.id }),
    };
  }

  function viewClosed(closed: ViewOutput, o: ActorOptions & { isCleared?: boolean } = {}): ViewClosedAction {
    return {
      ...common,
      type: "view_closed",
      user: userOf(o.user),
      view: closed,
      is_cleared: o.isCleared ?? false,
    };
  }

  /** An external_select asking for options while the user types `value`. */
  function blockSuggestion(
    actionId: string,
    value: string,
    o: ActorOptions & { blockId?: string; view?: ViewOutput } = {},
  ): BlockSuggestion {
    const channel = o.channel ?? ids.channelId;
    const where = o.view
      ? { container: { type: "view", view_id: o.view.id }, view: o.view }
      : {
          container: { type: "message", channel_id: channel },
          channel: { id: channel, name: ids.channelName },
        };
    return {
      ...common,
      type: "block_suggestion",
      action_id: actionId,
      block_id: o.blockId ?? "input",
      value,
      user: userOf(o.user),
      ...where,
    };
  }

  return {
    ids,
    command,
    button,
    staticSelect,
    view,
    blockActions,
    viewSubmission,
    viewClosed,
    blockSuggestion,
  };
}

export type SlackFixtures = ReturnType<typeof createSlackFixtures>;
