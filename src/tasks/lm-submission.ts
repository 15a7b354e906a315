import { shellQuote } from "../shell/shell-session.js";
import { parseFirstJsonLine } from "./metrics-json.js";
import type { TaskKind } from "./task-kind.js";

/**
 * The original's baseline launcher: one process per visible GPU under torchrun (`nproc = #GPUs`), a plain Python
 * process on a machine without one (the small scale), where the script trains on the CPU.
 */
function launcher(path: string): string {
  const script = shellQuote(path);
  return (
    "gpus=$(nvidia-smi -L 2>/dev/null | grep -c '^GPU' || true); " +
    `if [ "\${gpus:-0}" -gt 0 ]; then python -m torch.distributed.run --standalone --nproc_per_node="$gpus" ${script}; ` +
    `else python ${script}; fi`
  );
}

/**
 * A trained model left in the workspace (a state dict and its config, or a saved folder) that `evaluate.py`
 * scores itself: the model runs in the agent's own process (through `mlgym_eval`), which sees neither the hidden
 * split nor the evaluation; the evaluation computes the metric from what the model returns. Metrics are read from
 * the first output line that starts with `{`, as in the original (other lines are allowed).
 */
export const lmSubmission: TaskKind = {
  description:
    "the agent leaves a trained model; evaluate.py runs it in a separate process and computes the metric itself",
  artefact: "agent-code",
  // The original returns an empty path: the artefact is the model files, checked by the evaluation.
  submissionPath: () => "",
  evaluationArgs: () => [],
  parseMetrics: parseFirstJsonLine,
  baselineCommand: launcher,
};
