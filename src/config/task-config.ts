import { z } from "zod";

/** A split of a dataset (kept for compatibility with the original's dataset YAML; unused). */
const splitSchema = z.object({ name: z.string(), file_regex: z.string() }).strict();

/** Dataset YAML, in the original MLGym format. */
export const datasetConfigSchema = z
  .object({
    /** Display name; its upper-cased form heads the dataset's docs in the task description. */
    name: z.string().min(1),
    /** Text injected into the task description in place of `{dataset_docs}`. */
    description: z.string(),
    /** Local folder (relative to the YAML or its parent folders) or a hub id. */
    data_path: z.string().min(1),
    /** Whether `data_path` is a local folder copied into the workspace as `data/`. */
    is_local: z.boolean().default(false),
    train_split: splitSchema.nullish(),
    valid_split: splitSchema.nullish(),
    test_split: splitSchema.nullish(),
  })
  .strict();
export type DatasetConfig = z.infer<typeof datasetConfigSchema>;

/** Direction in which a metric improves. */
export const metricDirectionSchema = z.enum(["maximize", "minimize"]);
export type MetricDirection = z.infer<typeof metricDirectionSchema>;

const relPath = z.string().min(1);
const metricsSchema = z.record(z.string(), z.number());

// In a module of their own so that the CLI's start (options.ts) does not load zod.
export { SCALES, type Scale } from "./scales.js";

/** Resource limits of the agent's sandbox; a field left out takes its default (`DEFAULT_LIMITS`). */
const limitsSchema = z
  .object({
    /** MiB of memory for all the sandbox's processes together, /tmp and /dev/shm included. */
    memory_mb: z.number().int().positive().optional(),
    /** Seconds of CPU time each process may use before it is killed (stops a forgotten busy loop). */
    cpu_seconds: z.number().int().positive().optional(),
    /** Processes and threads the sandbox may run at once (stops a fork bomb). */
    max_processes: z.number().int().positive().optional(),
    /** CPU cores the sandbox may use together (a quota: more is throttled, not killed); may be fractional. */
    cpus: z.number().positive().optional(),
    /** MiB the agent's home (the workspace, caches, installed packages) may hold. */
    disk_mb: z.number().int().positive().optional(),
    /** MiB of /tmp (and of /dev/shm); both are memory, so this counts against `memory_mb` too. */
    tmp_mb: z.number().int().positive().optional(),
  })
  .strict();

/** GPUs an episode of the task needs; the batch runner gives each episode this many devices of its own. */
const gpusSchema = z.number().int().nonnegative();

/** What a scale other than `small` changes; every field left out keeps its top-level (small-scale) value. */
export const scaleOverridesSchema = z
  .object({
    /** Dataset YAML paths at this scale (a `data_path` of `mlgym-data:<taskId>` names the fetched data). */
    dataset_configs: z.array(relPath).optional(),
    /** Starter code at this scale (e.g. a sample submission with as many rows as this scale's test set). */
    starter_code: z.array(relPath).optional(),
    /** Example of a valid submission at this scale (host path). */
    sample_submission: z.string().optional(),
    /** Baseline metrics recorded at this scale. */
    baseline_scores: z.array(metricsSchema).optional(),
    /** Absolute tolerance on the priority metric at this scale. */
    tolerance: z.number().nonnegative().optional(),
    /** Seconds allowed for training commands, the baseline and each evaluation at this scale. */
    training_timeout: z.number().int().positive().optional(),
    /** GPUs an episode needs at this scale. */
    gpus: gpusSchema.optional(),
    /** Sandbox limits at this scale, merged field by field over the top-level `limits`. */
    limits: limitsSchema.optional(),
    /** Text appended to the task description at this scale. */
    description_note: z.string().optional(),
  })
  .strict();
export type ScaleOverrides = z.infer<typeof scaleOverridesSchema>;

/** Task YAML: every field of the original MLGym format, plus metric metadata, hidden files and limits. */
export const taskConfigSchema = z
  .object({
    /** Identifier: gym id `mlgym/<id>`, trajectory file `<id>.traj`. */
    id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "must be letters, digits, '_', '.', '-'"),
    /** Display name. */
    name: z.string().min(1),
    /** Task prompt; `{dataset_docs}` is replaced by the datasets' docs. */
    description: z.string().min(1),
    /** Dataset YAML paths, relative to this YAML's folder or one of its parents. */
    dataset_configs: z.array(relPath).default([]),
    /** Task kind (evaluation protocol), by the original's class name. */
    task_entrypoint: z.string().default("CSVSubmissionTasks"),
    /** Seconds allowed for training commands, the baseline and each evaluation. */
    training_timeout: z.number().int().positive().nullish(),
    /** The task's own pip requirements, installed over the shared runtime when `use_generic_conda` is false. */
    requirements_path: z.string().nullish(),
    benchmark_name: z.string().nullish(),
    /** true: the shared runtime; false: a task runtime with `requirements_path` added (see task-runtime.ts). */
    use_generic_conda: z.boolean().default(true),
    /** Files or folders copied into the workspace root. */
    starter_code: z.array(relPath).default([]),
    /** Baseline script paths relative to the workspace; the first is run when no scores are recorded. */
    baseline_paths: z.array(relPath).default([]),
    /** Recorded baseline metrics; only the first entry is used. */
    baseline_scores: z.array(metricsSchema).default([]),
    /** Example of a valid submission (host path). */
    sample_submission: z.string().nullish(),
    /** Evaluation script paths relative to the workspace; the first is used. */
    evaluation_paths: z.array(relPath).default([]),
    /** Kept for compatibility: evaluation files are always mounted read-only in isolating sandboxes. */
    evaluation_read_only: z.boolean().default(false),
    /** The original's unimplemented field; treated like `hidden_files`. */
    secret_files: z.array(relPath).default([]),
    memory_path: z.string().nullish(),
    /** The metric that ranks submissions (default: the first key of the first baseline score). */
    priority_metric: z.string().optional(),
    /** Direction of each metric; metrics not listed are treated as `maximize`. */
    metric_directions: z.record(z.string(), metricDirectionSchema).default({}),
    /** Workspace-relative paths (ground truth) that only the evaluation may read; the agent never sees them. */
    hidden_files: z.array(relPath).default([]),
    /** Absolute tolerance on the priority metric when checking that the baseline reproduces. */
    tolerance: z.number().nonnegative().optional(),
    /** Script (relative to this YAML) that prepares the task's data on the host; run by `mlgym setup` and before a reset when data is missing. */
    prepare_script: z.string().optional(),
    /** A task in a --tasks-dir folder with a built-in task's id replaces the built-in only when this is true. */
    override_builtin: z.boolean().default(false),
    /** Whether the agent's sandbox may reach the network. */
    network: z.boolean().default(false),
    /** Resource limits of the agent's sandbox; a field left out takes its default (`DEFAULT_LIMITS`). */
    limits: limitsSchema.default({}),
    /** GPUs an episode needs at the small scale (the top-level fields); default 0. */
    gpus: gpusSchema.default(0),
    /** Overrides per scale besides `small` (the top-level fields); a task without `full` runs only at `small`. */
    scales: z.object({ full: scaleOverridesSchema.optional() }).strict().optional(),
  })
  .strict();
export type TaskConfig = z.infer<typeof taskConfigSchema>;
export type Metrics = Record<string, number>;
