import type { Rule } from "./rule.js";
import { hiddenDataInObservation } from "./rules/hidden-data-in-observation.js";
import { hiddenFileAccess } from "./rules/hidden-file-access.js";
import { metricPrint } from "./rules/metric-print.js";
import { moduleShadowing } from "./rules/module-shadowing.js";
import { processSnooping } from "./rules/process-snooping.js";
import { protectedWrite } from "./rules/protected-write.js";
import { runtimePatching } from "./rules/runtime-patching.js";

/** Every rule, in the order of `RULE_IDS`: adding a rule is one file in `rules/` plus one line here. */
export const RULES: readonly Rule[] = [
  protectedWrite,
  hiddenFileAccess,
  moduleShadowing,
  processSnooping,
  runtimePatching,
  metricPrint,
  hiddenDataInObservation,
];
