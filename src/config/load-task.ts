import { basename, dirname, join, resolve } from "node:path";
import { ConfigError } from "../errors.js";
import { DATA_CACHE_PREFIX, resolveDataCachePath } from "./data-cache.js";
import { findHubCopy, type HubCopy } from "./hub-copy.js";
import {
  type DatasetConfig,
  datasetConfigSchema,
  type MetricDirection,
  SCALES,
  type Scale,
  type TaskConfig,
  taskConfigSchema,
} from "./task-config.js";
import { dataRootsFromEnv, TaskPaths } from "./task-paths.js";
import { parseWithSchema, readYamlFile } from "./yaml-file.js";

/** A task YAML with its datasets loaded, its paths resolved on the host and its description formatted. */
export interface TaskSpec {
  /** The task's configuration at `scale`: the scale's overrides already applied. */
  config: TaskConfig;
  /** The scale it was loaded at (absent: `small`, e.g. a task made in code). */
  scale?: Scale;
  /** Absolute path of the task YAML. */
  file: string;
  datasets: Array<{
    config: DatasetConfig;
    file: string;
    localPath?: string;
    /**
     * For a dataset the task's code loads from the Hugging Face Hub (`is_local: false`, `data_path` a repo id): the
     * offline copy `mlgym data link` built in a data root (`data/hf-datasets/...`), when there is one.
     */
    hubCopy?: HubCopy;
  }>;
  /** The description with `{dataset_docs}` substituted. */
  description: string;
  /** Starter code entries copied into the workspace root under `name`. */
  starterCode: Array<{ hostPath: string; name: string }>;
  sampleSubmission?: string;
  /** Host path of `requirements_path` (may not exist: checked when a task runtime is made, see task-runtime.ts). */
  requirementsFile?: string;
  /**
   * A task of the original's checkout: its Python files reach the workspace without the copyright docstring the
   * public repository added after the paper's runs were recorded (see `src/env/original-headers.ts`).
   */
  asRecorded?: boolean;
  priorityMetric?: string;
  directionOf(metric: string): MetricDirection;
}

/** Substitutes `{dataset_docs}` with Python str.format semantics: `{{`/`}}` are literal braces, other fields are errors. */
export function formatDescription(template: string, datasetDocs: string, file: string): string {
  return template.replace(/\{\{|\}\}|\{([^{}]*)\}|[{}]/g, (match, field: string | undefined) => {
    if (match === "{{") return "{";
    if (match === "}}") return "}";
    if (field === "dataset_docs") return datasetDocs;
    throw new ConfigError(
      `unexpected placeholder '${match}' in description; only {dataset_docs} is allowed (write {{ and }} for literal braces)`,
      { file, field: "description" },
    );
  });
}

/** Where a task's paths may lead besides its own folder. */
export interface TaskLoadOptions {
  /**
   * Folders the task's YAML files may also name paths in, e.g. the root of an MLGym checkout whose
   * `configs/tasks/*.yaml` name `data/<task>/...`. Default: those in `MLGYM_DATA_ROOT`.
   */
  roots?: string[];
  /** The scale to load the task at (default `small`: the top-level fields). */
  scale?: Scale;
}

/** The scales a task config offers: `small` always, the others it declares under `scales`. */
export function taskScales(config: TaskConfig): Scale[] {
  return SCALES.filter((scale) => scale === "small" || config.scales?.[scale] !== undefined);
}

/**
 * The config at `scale`: its overrides replace the top-level fields (`limits` merged field by field,
 * `description_note` appended to the description). A scale with its own datasets does not run `prepare_script`,
 * which makes the small scale's data. A scale the task does not declare is a ConfigError.
 */
export function configAtScale(config: TaskConfig, scale: Scale, file: string): TaskConfig {
  if (scale === "small") return config;
  const overrides = config.scales?.[scale];
  if (!overrides)
    throw new ConfigError(
      `task '${config.id}' has no scale '${scale}'; its scales: ${taskScales(config).join(", ")} (a scale is declared under 'scales:')`,
      { file, field: `scales.${scale}` },
    );
  const { description_note, limits, ...fields } = overrides;
  const scaled: TaskConfig = { ...config, ...fields, limits: { ...config.limits, ...limits } };
  if (description_note) scaled.description = `${config.description.trimEnd()}\n\n${description_note.trim()}`;
  if (fields.dataset_configs) delete scaled.prepare_script;
  return scaled;
}

/**
 * Loads and validates a task YAML file and everything it references. Every host path it or its dataset YAMLs name
 * must resolve (symlinks included) inside the task's folder or one of `options.roots`.
 */
export function loadTaskSpec(file: string, options: TaskLoadOptions = {}): TaskSpec {
  const abs = resolve(file);
  const scale = options.scale ?? "small";
  const config = configAtScale(parseWithSchema(taskConfigSchema, readYamlFile(abs), abs), scale, abs);
  const paths = new TaskPaths(abs, options.roots ?? dataRootsFromEnv());
  const datasetsField = scale === "small" ? "dataset_configs" : `scales.${scale}.dataset_configs`;
  const datasets = config.dataset_configs.map((path, i) => {
    const dsFile = paths.resolve(path, abs, `${datasetsField}.${i}`);
    const ds = parseWithSchema(datasetConfigSchema, readYamlFile(dsFile), dsFile);
    // Fetched data (`mlgym data fetch`) lives in the data cache, outside the task folder, and is always local.
    const localPath = ds.data_path.startsWith(DATA_CACHE_PREFIX)
      ? resolveDataCachePath(ds.data_path, dsFile)
      : ds.is_local
        ? paths.resolve(ds.data_path, dsFile, "data_path")
        : undefined;
    if (localPath) return { config: ds, file: dsFile, localPath };
    const hubCopy = ds.is_local ? undefined : findHubCopy(ds.data_path, paths, dsFile);
    return hubCopy ? { config: ds, file: dsFile, hubCopy } : { config: ds, file: dsFile };
  });
  const docs = datasets.map((d) => `${d.config.name.toUpperCase()}:\n${d.config.description}\n\n`).join("");
  const starterCode = config.starter_code.map((path, i) => ({
    hostPath: paths.resolve(path, abs, `starter_code.${i}`),
    // The name as written: a symlink inside the folder keeps its own name in the workspace.
    name: basename(join(dirname(abs), path)),
  }));
  const sampleSubmission = config.sample_submission
    ? paths.resolve(config.sample_submission, abs, "sample_submission")
    : undefined;
  // Run on the host by `mlgym setup`, relative to this YAML's folder.
  if (config.prepare_script) paths.resolve(config.prepare_script, abs, "prepare_script", { nearOnly: true });
  // Host paths in the original's format: they must not point elsewhere either.
  const requirementsFile = config.requirements_path
    ? paths.resolve(config.requirements_path, abs, "requirements_path", { mayBeMissing: true })
    : undefined;
  if (config.memory_path) paths.resolve(config.memory_path, abs, "memory_path", { mayBeMissing: true });
  const priorityMetric = config.priority_metric ?? Object.keys(config.baseline_scores[0] ?? {})[0];
  if (
    config.priority_metric &&
    config.baseline_scores[0] &&
    !(config.priority_metric in config.baseline_scores[0])
  ) {
    throw new ConfigError(
      `priority metric '${config.priority_metric}' is not among the baseline metrics (${Object.keys(config.baseline_scores[0]).join(", ")})`,
      { file: abs, field: "priority_metric" },
    );
  }
  const spec: TaskSpec = {
    config,
    scale,
    file: abs,
    datasets,
    description: formatDescription(config.description, docs, abs),
    starterCode,
    directionOf: (metric) => config.metric_directions[metric] ?? "maximize",
  };
  if (sampleSubmission) spec.sampleSubmission = sampleSubmission;
  if (requirementsFile) spec.requirementsFile = requirementsFile;
  if (priorityMetric) spec.priorityMetric = priorityMetric;
  return spec;
}
