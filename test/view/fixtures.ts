import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { auditRecord, writeAuditFile } from "../../src/audit/audit-file.js";
import { TrajectoryRecorder } from "../../src/trajectory/recorder.js";

/** A step as the agent loop records it; `validate` steps carry a score. */
export function step(i: number, action: string, extra: { requeries?: number; lines?: number } = {}) {
  const observation = Array.from(
    { length: extra.lines ?? 3 },
    (_, k) => `line ${k} of step ${i} {"brace": "]"} é`,
  );
  return {
    action,
    observation: observation.join("\n"),
    response: `DISCUSSION\nthinking about step ${i}\n\`\`\`\n${action}\n\`\`\``,
    state: "{}",
    thought: `thinking about step ${i} "quoted" \\ back`,
    execution_time: 0.25,
    ...(extra.requeries
      ? {
          requeries: Array.from({ length: extra.requeries }, () => ({
            response: "no block",
            error: "format error",
          })),
        }
      : {}),
  };
}

/**
 * Records a run with the project's own trajectory recorder: `actions` in order, each `validate`/`submit` scored by
 * the next of `scores`; ends with `exitStatus` unless it is undefined (a running episode).
 */
export async function recordRun(
  root: string,
  folder: string,
  actions: string[],
  scores: number[],
  exitStatus: string | undefined,
): Promise<TrajectoryRecorder> {
  const taskId = folder.split("__")[1] ?? "task";
  const recorder = new TrajectoryRecorder({ dir: join(root, folder), taskId, baseline: { accuracy: 0.5 } });
  recorder.start("the task");
  const seen: Array<{ accuracy: number }> = [];
  actions.forEach((action, i) => {
    if (/^(validate|submit)/.test(action)) seen.push({ accuracy: scores[seen.length] ?? 0 });
    const last = i === actions.length - 1;
    recorder.step(step(i, action, { requeries: i === 1 ? 2 : 0, lines: i === 2 ? 80 : 3 }), {
      scores: [...seen],
      ...(last && exitStatus !== undefined ? { exitStatus } : {}),
    });
  });
  await recorder.settled();
  return recorder;
}

/** A runs folder of four runs: two finished runs of toyTask, one audited run of otherTask, one running episode. */
export async function viewerFixture(): Promise<{ root: string; live: TrajectoryRecorder }> {
  const root = mkdtempSync(join(tmpdir(), "mlgym-view-"));
  await recordRun(
    root,
    "modelA__toyTask__default_run_0",
    ["ls", "cat train.py", "edit 1:2", "validate", "python train.py", "submit"],
    [0.6, 0.8],
    "submitted",
  );
  await recordRun(
    root,
    "modelB__toyTask__default_run_0",
    ["ls", "validate", "submit"],
    [0.4, 0.45],
    "submitted",
  );
  await recordRun(
    root,
    "modelA__otherTask__default_run_0",
    ["ls", "cat evaluate.py", "submit"],
    [0.9],
    "submitted",
  );
  writeAuditFile(
    join(root, "modelA__otherTask__default_run_0"),
    auditRecord({
      task: "otherTask",
      taskFile: null,
      trajectory: "otherTask.traj",
      steps: 3,
      flags: [
        {
          step: 2,
          rule: "hidden-file-access",
          severity: "high",
          message: "reads evaluate.py",
          evidence: "cat evaluate.py",
        },
      ],
      notes: [],
    }),
  );
  const live = await recordRun(root, "modelC__toyTask__default_run_0", ["ls", "validate"], [0.55], undefined);
  return { root, live };
}
