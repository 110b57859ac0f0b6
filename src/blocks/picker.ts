import type { types } from "@slack/bolt";
import { z } from "zod";
import type { Catalogue } from "../catalogue/catalogue.js";
import { commandWords } from "../catalogue/define.js";
import { ACTION, BLOCK, CALLBACK } from "./ids.js";
import { SLACK_LIMITS } from "./limits.js";
import { plain, section } from "./text.js";

/**
 * The modal `/ops` alone opens: choose an operation, then its own modal. Only operations that change
 * something are offered; reads are quicker typed than filled in.
 */
export function pickerModal(catalogue: Catalogue, privateMetadata: string): types.ModalView {
  if (privateMetadata.length > SLACK_LIMITS.privateMetadata)
    throw new RangeError(`private_metadata is ${privateMetadata.length} characters; Slack allows 3000`);
  const base = {
    type: "modal" as const,
    callback_id: CALLBACK.pickerModal,
    title: plain("opsbot", SLACK_LIMITS.modalTitle),
    close: plain("Cancel", SLACK_LIMITS.modalButton),
    private_metadata: privateMetadata,
  };
  const groups = optionGroups(catalogue);
  if (groups.length === 0)
    return { ...base, blocks: [section("No operation here needs a form. Try `/ops help`.")] };
  return {
    ...base,
    // Submit too, so the choice also works where dispatch_action does not fire (view_submission → push).
    submit: plain("Next", SLACK_LIMITS.modalButton),
    blocks: [
      {
        type: "input",
        block_id: BLOCK.pickOperation,
        // Choosing fires block_actions at once, so the handler can views.update to the operation's modal.
        dispatch_action: true,
        label: plain("Operation"),
        element: {
          type: "static_select",
          action_id: ACTION.pickOperation,
          placeholder: plain("Choose an operation", SLACK_LIMITS.placeholder),
          option_groups: groups,
        },
      },
    ],
  };
}

function optionGroups(catalogue: Catalogue) {
  const mutating = catalogue.operations.filter((o) => o.risk !== "read");
  // opsbot's own commands (lock, subscribe, …) share one group; backend operations go by resource.
  const groupOf = (o: (typeof mutating)[number]) => (o.verb ? o.resource : "opsbot");
  const resources = [...new Set(mutating.map(groupOf))];
  // The catalogue is fixed at build time, so these throw in its tests rather than at a user.
  if (resources.length > SLACK_LIMITS.optionGroups)
    throw new RangeError("more than 100 resources to pick from");
  return resources.map((resource) => {
    const options = mutating
      .filter((o) => groupOf(o) === resource)
      .map((operation): types.PlainTextOption => {
        if (operation.id.length > SLACK_LIMITS.optionValue)
          throw new RangeError(`operation id too long for a select: ${operation.id}`);
        return {
          text: plain(commandWords(operation), SLACK_LIMITS.optionText),
          value: operation.id,
          description: plain(operation.summary, SLACK_LIMITS.optionDescription),
        };
      });
    if (options.length > SLACK_LIMITS.selectOptions)
      throw new RangeError(`more than 100 operations on ${resource}`);
    return { label: plain(resource, SLACK_LIMITS.optionText), options };
  });
}

const PickerState = z.object({
  [BLOCK.pickOperation]: z.object({
    [ACTION.pickOperation]: z.object({ selected_option: z.object({ value: z.string().max(75) }) }),
  }),
});

/** The operation id chosen in the picker, from view_submission's `view.state.values` (untrusted). */
export function pickedOperationId(stateValues: unknown): string | undefined {
  const parsed = PickerState.safeParse(stateValues);
  return parsed.success
    ? parsed.data[BLOCK.pickOperation][ACTION.pickOperation].selected_option.value
    : undefined;
}
