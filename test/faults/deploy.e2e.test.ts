import { describeBackendFaults } from "./backend-suite.js";

describeBackendFaults({
  backend: "deploy",
  name: "Deploy API",
  read: { text: "task list", method: "GET", path: /^\/v1\/list\/tasks$/ },
  change: {
    // A branch makes it the v2 form route: a POST.
    text: () => "task deploy quick_start job_python --branch main",
    method: "POST",
    path: /^\/v2\/task\/elaborate\/deploy\/quick_start\/job_python$/,
    // Deploy answers are read leniently (any object, even text): only a non-object is the wrong shape.
    wrongShape: ["deployed"],
  },
  check: /Check with `\/ops task list/,
  sibling: "namespace list",
  elsewhere: "payload list",
  secrets: [],
});
