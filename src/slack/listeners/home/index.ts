import type { App } from "@slack/bolt";
import { homeView } from "../../../blocks/home.js";
import type { ListenerDeps } from "../deps.js";

/** The App Home tab, published each time the person opens it. */
export function register(app: App, deps: ListenerDeps): void {
  app.event("app_home_opened", async ({ event, client }) => {
    if (event.tab !== "home") return;
    await client.views.publish({ user_id: event.user, view: homeView(await deps.core.home(event.user)) });
  });
}
