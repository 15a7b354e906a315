import assert from "node:assert/strict";
import { test } from "node:test";
import { classifyAction, countActions } from "./actions.js";
import { exitStatusCategories, isIncomplete, normalizeExitStatus } from "./exit-status.js";

test("actions are classified by prefix in the original's order", () => {
  const table: Array<[string, string]> = [
    ["create train.py\n", "Edit"],
    ["edit 1:5\nx\nend_of_edit\n", "Edit"],
    ["insert 3\n", "Edit"],
    ['open "strategy.py"\n', "View"],
    ["goto 40", "View"],
    ["scroll_down", "View"],
    ["validate\n", "Validate"],
    ["submit\n", "Submit"],
    ["search_dir foo", "Search"],
    ["find_file x.py", "Search"],
    ["python train.py\n", "Python"],
    ["torchrun --nproc 2 a.py", "Python"],
    ["ls -la\n", "Bash"],
    ["pip install xgboost", "Bash"],
    ["exit_cost", "Bash"],
  ];
  for (const [action, category] of table) assert.equal(classifyAction(action), category, action);
  assert.deepEqual(countActions(["ls", "validate", "ls"]), {
    Edit: 0,
    View: 0,
    Validate: 1,
    Submit: 0,
    Search: 0,
    Python: 0,
    Bash: 2,
  });
});

test("exit statuses: empty becomes unknown_error (<last action>), categories follow kind and label", () => {
  assert.equal(normalizeExitStatus("", "validate\n"), "unknown_error (validate)");
  assert.equal(normalizeExitStatus(undefined, "ls"), "unknown_error");
  assert.equal(normalizeExitStatus("submitted", "submit"), "submitted");
  const table: Array<[string, string[]]> = [
    ["submitted", ["Success"]],
    ["autosubmission (max_steps)", ["Max Steps"]],
    ["autosubmission (exit_context)", ["Context"]],
    ["autosubmission (exit_cost)", ["Cost"]],
    ["autosubmission (exit_api)", ["API"]],
    ["submission_not_found (exit_format)", ["Evaluation", "Format"]],
    ["evaluation_format_error (submit)", ["Evaluation", "Submit"]],
    ["early_exit", ["Runtime"]],
    ["unknown_error (validate)", ["Runtime"]],
    ["ValueError, boom, (submit)", ["ValueError, boom, (submit)"]],
  ];
  for (const [status, categories] of table)
    assert.deepEqual(exitStatusCategories(status), categories, status);
  assert.equal(isIncomplete(["Max Steps"]), false);
  assert.equal(isIncomplete(["Evaluation", "Submit"]), true);
});
