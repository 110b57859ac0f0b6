import { branch, directory, repository } from "../../api/deploy/validators.js";
import { arg } from "../define.js";

/** Where the Deploy API reads tasks and pipelines from: a repository folder on a branch. */

export const repositoryArg = arg.positional(repository, {
  label: "Repository",
  hint: "Git repository holding the task or pipeline",
  placeholder: "quick_start",
});
export const directoryArg = arg.positional(directory, {
  label: "Directory",
  hint: "Its folder in the repository (may contain /)",
  placeholder: "job_python",
});
export const branchFlag = arg.flag(branch.optional(), {
  label: "Branch",
  hint: "Git branch; master when left empty",
  placeholder: "master",
});
