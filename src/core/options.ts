import type { ApiClients } from "../api/index.js";
import type { OptionSource } from "../catalogue/define.js";

/** The names a form's dropdown offers, from the Deploy API's list endpoints. */
export async function optionNames(
  api: Pick<ApiClients, "deploy">,
  source: OptionSource,
  signal: AbortSignal,
): Promise<string[]> {
  switch (source) {
    case "namespaces":
      return (await api.deploy.listNamespaces({}, { signal })).map((namespace) => namespace.name);
    case "task-templates":
      return [...(await api.deploy.listTaskTemplates({}, { signal }))];
    case "pipeline-templates":
      return [...(await api.deploy.listPipelineTemplates({}, { signal }))];
  }
}
