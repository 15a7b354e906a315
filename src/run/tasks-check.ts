import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { MissingDataError } from "../config/data-cache.js";
import type { TaskSpec } from "../config/load-task.js";
import type { Scale } from "../config/task-config.js";
import { MLGymEnv } from "../env/env.js";
import { callsAgentCodeApart, fullEvaluationOutput } from "../env/evaluation.js";
import { filesUnder, hiddenDataPaths, starterHostPath } from "../env/workspace.js";
import { EvaluationError } from "../errors.js";
import { shellQuote } from "../shell/shell-session.js";
import { taskKind } from "../tasks/kinds.js";
import { loadTaskFile } from "../tasks/registry.js";
import { runBaseline } from "./baseline.js";

/** The checks, in the order they run and are printed. */
export const CHECKS = [
  "config",
  "hidden",
  "baseline",
  "repeatable",
  "sample",
  "malformed",
  "eval-files",
] as const;
export type CheckName = (typeof CHECKS)[number];

/** Outcome of one check: `skip` when it does not apply to the task (e.g. no sample submission). */
export interface CheckResult {
  check: CheckName;
  status: "ok" | "fail" | "skip";
  detail: string;
}

export interface TaskCheckReport {
  taskId: string;
  /** The scale the task was checked at (absent: `small`). */
  scale?: Scale;
  file: string;
  results: CheckResult[];
  seconds: number;
}

/**
 * Files copied over the workspace (same relative paths) to make a malformed submission: `<task folder>/check/malformed/`.
 * A task without them skips that check.
 */
export const MALFORMED_DIR = join("check", "malformed");

const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");

/** The last line the evaluation printed (inside the `---` fences of an EvaluationFormatError message). */
function lastLine(text: string): string {
  const fenced = /\n---\n([\s\S]*)\n---\n/.exec(text);
  const lines = (fenced?.[1] ?? text)
    .trim()
    .split("\n")
    .filter((l) => l.trim());
  return (lines[lines.length - 1] ?? "").slice(0, 160);
}

/** Python errors that mean the evaluation's own code is broken, not that it judged the submission. */
const CODE_ERRORS = [
  "SyntaxError",
  "IndentationError",
  "TabError",
  "ImportError",
  "ModuleNotFoundError",
  "NameError",
  "UnboundLocalError",
];

/** The line of an evaluation's output that reports a code error (`NameError: name 'x' is not defined`), if any. */
export function codeError(output: string): string | undefined {
  const pattern = new RegExp(`^(?:${CODE_ERRORS.join("|")})(?::|$)`);
  return output
    .split("\n")
    .map((line) => line.trim())
    .find((line) => pattern.test(line))
    ?.slice(0, 300);
}

function configProblems(spec: TaskSpec): string[] {
  const { config } = spec;
  const problems: string[] = [];
  const recorded = config.baseline_scores[0];
  if (!recorded) problems.push("no baseline_scores recorded");
  if (!spec.priorityMetric) problems.push("no priority metric");
  else if (recorded && !(spec.priorityMetric in recorded))
    problems.push(`priority metric '${spec.priorityMetric}' is not a baseline metric`);
  if (config.tolerance === undefined) problems.push("no tolerance declared");
  if (config.evaluation_paths.length === 0) problems.push("no evaluation_paths");
  if (config.baseline_paths.length === 0) problems.push("no baseline_paths");
  config.evaluation_paths.forEach((p, i) => {
    try {
      starterHostPath(spec, p, `evaluation_paths.${i}`);
    } catch (e) {
      problems.push((e as Error).message);
    }
  });
  return problems;
}

/**
 * At the small scale, the full scale's configuration is checked too (its dataset YAMLs, its baseline and
 * tolerance), short of its data, which is fetched only where it runs.
 */
function otherScaleProblems(spec: TaskSpec, roots: string[] | undefined): string[] {
  if ((spec.scale ?? "small") !== "small" || !spec.config.scales?.full) return [];
  try {
    const full = loadTaskFile(spec.file, { scale: "full", ...(roots ? { roots } : {}) });
    return configProblems(full).map((p) => `at scale full: ${p}`);
  } catch (error) {
    return error instanceof MissingDataError ? [] : [`at scale full: ${(error as Error).message}`];
  }
}

/** The runner of one task's checks: every check records a result and never throws. */
class TaskChecker {
  readonly results: CheckResult[] = [];
  /** The priority metric of the baseline run, compared by the repeatability check. */
  firstScore: number | undefined;
  constructor(
    readonly spec: TaskSpec,
    readonly env: MLGymEnv,
  ) {}

  record(check: CheckName, status: CheckResult["status"], detail: string): void {
    this.results.push({ check, status, detail });
  }

  async attempt(check: CheckName, fn: () => Promise<[CheckResult["status"], string]>): Promise<void> {
    try {
      const [status, detail] = await fn();
      this.record(check, status, detail);
    } catch (error) {
      this.record(check, "fail", (error as Error).message.trim().slice(0, 2000));
    }
  }

  get ws(): string {
    return this.env.sandbox.workspace;
  }

  private get priority(): string {
    return this.spec.priorityMetric ?? "";
  }

  private get tolerance(): number {
    return this.spec.config.tolerance ?? 0;
  }

  private evaluate() {
    return this.env.evaluate();
  }

  /** Hidden files: absent from the agent's workspace, unreadable at their host path, their content nowhere in it. */
  async hidden(): Promise<[CheckResult["status"], string]> {
    const hidden = hiddenDataPaths(this.spec);
    if (hidden.length === 0) return ["skip", "no hidden files"];
    const problems: string[] = [];
    const { sandbox } = this.env;
    const listing = await sandbox.exec("find . -type f -print0 | xargs -0 -r sha256sum", {
      timeoutMs: 120_000,
    });
    const workspaceHashes = new Map(
      listing.stdout
        .split("\n")
        .filter(Boolean)
        .map((line) => [line.slice(0, 64), line.slice(66)] as const),
    );
    for (const rel of hidden) {
      const host = this.spec.datasets
        .map((d) => (d.localPath ? join(d.localPath, rel) : ""))
        .find((p) => p && existsSync(p));
      const inWorkspace = `${this.ws}/data/${rel}`;
      if ((await sandbox.exec(`test -e ${shellQuote(inWorkspace)}`)).exitCode === 0)
        problems.push(`data/${rel} exists in the workspace`);
      if (host) {
        if (sandbox.isolated && (await sandbox.exec(`test -r ${shellQuote(host)}`)).exitCode === 0)
          problems.push(`${host} is readable from the sandbox`);
        const copy = workspaceHashes.get(sha256(readFileSync(host)));
        if (copy) problems.push(`the workspace holds a copy of data/${rel}: ${copy}`);
      }
      // The evaluation must see it, or the task cannot be scored. The path is relative: evaluations run with
      // cwd = their own view of the workspace, which need not be the agent's folder.
      const seen = await sandbox.exec(`test -r ${shellQuote(`data/${rel}`)}`, { evaluation: true });
      if (seen.exitCode !== 0) problems.push(`the evaluation cannot read data/${rel}`);
    }
    if (problems.length > 0) return ["fail", problems.join("; ")];
    return [
      "ok",
      `${hidden.map((h) => `data/${h}`).join(", ")} hidden${sandbox.isolated ? "" : " (workspace only: the local sandbox isolates nothing)"}`,
    ];
  }

  async baseline(): Promise<[CheckResult["status"], string]> {
    const recorded = this.spec.config.baseline_scores[0]?.[this.priority];
    const metrics = await runBaseline(this.env);
    const value = metrics[this.priority];
    if (value === undefined || recorded === undefined)
      return ["fail", `metric '${this.priority}' missing (got ${JSON.stringify(metrics)})`];
    const diff = Math.abs(value - recorded);
    const detail = `${this.priority} ${value} (recorded ${recorded} ± ${this.tolerance}; seed ${this.env.seed}); all: ${JSON.stringify(metrics)}`;
    this.firstScore = value;
    return [diff <= this.tolerance ? "ok" : "fail", detail];
  }

  async repeatable(): Promise<[CheckResult["status"], string]> {
    if (this.firstScore === undefined) return ["fail", "no baseline score to repeat"];
    const value = (await this.evaluate()).metrics[this.priority];
    if (value === undefined) return ["fail", `metric '${this.priority}' missing`];
    const diff = Math.abs(value - this.firstScore);
    return [
      diff <= this.tolerance ? "ok" : "fail",
      `${this.priority} ${value} vs ${this.firstScore} (Δ ${diff.toPrecision(3)})`,
    ];
  }

  async sample(): Promise<[CheckResult["status"], string]> {
    const sample = this.spec.sampleSubmission;
    if (!sample) return ["skip", "the task has no sample submission"];
    await this.env.sandbox.writeFile(`${this.ws}/submission.csv`, readFileSync(sample));
    const { metrics } = await this.evaluate();
    const value = metrics[this.priority];
    if (value === undefined || !Number.isFinite(value))
      return ["fail", `no finite ${this.priority}: ${JSON.stringify(metrics)}`];
    return ["ok", `${this.priority} ${value}`];
  }

  /**
   * A malformed submission must be rejected by the evaluation's own verdict: not scored, not a crash of the
   * evaluation's code (an evaluation broken for every input fails every submission too). So the baseline must have
   * scored in this environment, and the failure must not end in a Python error that means broken code.
   */
  async malformed(): Promise<[CheckResult["status"], string]> {
    const dir = join(dirname(this.spec.file), MALFORMED_DIR);
    if (!existsSync(dir)) return ["skip", `no ${MALFORMED_DIR}/ files to make a malformed submission with`];
    if (this.firstScore === undefined)
      return [
        "fail",
        "the baseline submission did not score, so a failure of the malformed one cannot be told from a broken evaluation",
      ];
    for (const rel of filesUnder(dir))
      await this.env.sandbox.writeFile(`${this.ws}/${rel}`, readFileSync(join(dir, rel)));
    try {
      const { metrics } = await this.evaluate();
      return ["fail", `the malformed submission was scored: ${JSON.stringify(metrics)}`];
    } catch (error) {
      if (!(error instanceof EvaluationError)) throw error;
      const output = fullEvaluationOutput(error) ?? error.message;
      const crash = codeError(output);
      if (crash)
        return [
          "fail",
          `the evaluation crashed instead of rejecting the submission with a message: ${crash}`,
        ];
      // The script's own verdict where it gave one (the output of the agent's code may follow it), else the last line.
      const verdict = error.message
        .split("\n")
        .filter((line) => line.startsWith("Evaluation failed:"))
        .at(-1);
      const message = verdict ?? lastLine(error.message);
      return message ? ["ok", `${error.name}: ${message}`] : ["fail", `${error.name} without a message`];
    }
  }

  /** Evaluation files: whatever the agent does to its copies, evaluations run the trusted ones. */
  async evalFiles(): Promise<[CheckResult["status"], string]> {
    const { sandbox } = this.env;
    const notes: string[] = [];
    const problems: string[] = [];
    for (const [i, path] of this.spec.config.evaluation_paths.entries()) {
      const trusted = sha256(readFileSync(starterHostPath(this.spec, path, `evaluation_paths.${i}`)));
      const target = shellQuote(`${this.ws}/${path}`);
      const tamper = await sandbox.exec(
        `chmod u+w ${target} 2>/dev/null; printf '\\nraise SystemExit(0)\\n' >> ${target}`,
      );
      notes.push(
        `${path}: ${tamper.exitCode === 0 ? "agent copy writable, trusted copy used" : "write refused"}`,
      );
      const seen = await sandbox.exec(`sha256sum ${shellQuote(path)}`, { evaluation: true });
      if (seen.exitCode !== 0) problems.push(`the evaluation cannot read ${path}`);
      else if (seen.stdout.slice(0, 64) !== trusted) problems.push(`the evaluation sees a modified ${path}`);
    }
    const script = this.spec.config.evaluation_paths[0];
    if (
      script &&
      taskKind(this.spec.config.task_entrypoint).artefact === "agent-code" &&
      !callsAgentCodeApart(starterHostPath(this.spec, script, "evaluation_paths.0"))
    ) {
      problems.push(
        `${script} imports the agent's code itself, so that code runs inside the evaluation and can set its score; call it through mlgym_eval (tasks/README.md)`,
      );
    }
    return problems.length > 0 ? ["fail", problems.join("; ")] : ["ok", notes.join("; ")];
  }
}

/** Runs every check on one task in a fresh environment; never throws. */
export async function checkTask(
  file: string,
  options: { sandbox?: string; tasksDirs?: string[]; roots?: string[]; scale?: Scale } = {},
): Promise<TaskCheckReport> {
  const started = performance.now();
  let spec: TaskSpec;
  const results: CheckResult[] = [];
  const report = (taskId: string) => ({
    taskId,
    ...(options.scale && options.scale !== "small" ? { scale: options.scale } : {}),
    file,
    results,
    seconds: (performance.now() - started) / 1000,
  });
  try {
    spec = loadTaskFile(file, {
      ...(options.roots ? { roots: options.roots } : {}),
      ...(options.scale ? { scale: options.scale } : {}),
    });
  } catch (error) {
    results.push({ check: "config", status: "fail", detail: (error as Error).message });
    return report(file);
  }
  const problems = [...configProblems(spec), ...otherScaleProblems(spec, options.roots)];
  results.push({
    check: "config",
    status: problems.length ? "fail" : "ok",
    detail: problems.join("; ") || "valid",
  });
  // The task as loaded above (this file, these data roots), not whichever file has its id.
  const env = new MLGymEnv(spec, options.sandbox ? { sandbox: options.sandbox } : {});
  try {
    await env.reset();
  } catch (error) {
    for (const check of CHECKS.slice(1))
      results.push({ check, status: "fail", detail: `reset failed: ${(error as Error).message}` });
    await env.close().catch(() => {});
    return report(spec.config.id);
  }
  const checker = new TaskChecker(spec, env);
  try {
    await checker.attempt("hidden", () => checker.hidden());
    await checker.attempt("baseline", () => checker.baseline());
    await checker.attempt("repeatable", () => checker.repeatable());
    await checker.attempt("sample", () => checker.sample());
    await checker.attempt("malformed", () => checker.malformed());
    await checker.attempt("eval-files", () => checker.evalFiles());
  } finally {
    await env.close();
  }
  results.push(...checker.results);
  return report(spec.config.id);
}

/** The table printed by `mlgym tasks check`, then one line per check that did not pass and per baseline. */
export function formatReports(reports: TaskCheckReport[]): string {
  const width = Math.max(4, ...reports.map((r) => r.taskId.length));
  const cell = (r: TaskCheckReport, c: CheckName) => {
    const s = r.results.find((x) => x.check === c)?.status;
    return (s === "ok" ? "ok" : s === "fail" ? "FAIL" : "-").padEnd(Math.max(c.length, 4));
  };
  const lines = [
    `${"task".padEnd(width)}  ${CHECKS.map((c) => c.padEnd(Math.max(c.length, 4))).join("  ")}  seconds`,
    ...reports.map(
      (r) =>
        `${r.taskId.padEnd(width)}  ${CHECKS.map((c) => cell(r, c)).join("  ")}  ${r.seconds.toFixed(0)}`,
    ),
    "",
  ];
  for (const r of reports)
    for (const x of r.results)
      if (x.status === "fail" || x.check === "baseline") lines.push(`${r.taskId} ${x.check}: ${x.detail}`);
  return `${lines.join("\n")}\n`;
}
