import { chatMethods } from "./chat.js";
import type { MethodHandler } from "./common.js";
import { conversationMethods } from "./conversations.js";
import { directoryMethods } from "./directory.js";
import { fileMethods } from "./files.js";
import { viewMethods } from "./views.js";

export { postMessage } from "./chat.js";
export { SlackApiFailure } from "./common.js";
export { receiveUpload, UPLOAD_PATH } from "./files.js";

/** Every Web API method the stand-in answers; anything else gets `unknown_method`. */
export const METHODS: Readonly<Record<string, MethodHandler>> = {
  ...directoryMethods,
  ...chatMethods,
  ...conversationMethods,
  ...viewMethods,
  ...fileMethods,
};
