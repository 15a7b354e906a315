import { existsSync } from "node:fs";
import { basename, dirname, isAbsolute, join, resolve } from "node:path";
import { ConfigError } from "../errors.js";
import {
  type DatasetConfig,
  datasetConfigSchema,
  type MetricDirection,
  type TaskConfig,
  taskConfigSchema,
} from "./task-config.js";
import { parseWithSchema, readYamlFile } from "./yaml-file.js";

/** A task YAML with its datasets loaded, its paths resolved on the host and its description formatted. */
export interface TaskSpec {
  config: TaskConfig;
  /** Absolute path of the task YAML. */
  file: string;
  datasets: Array<{ config: DatasetConfig; file: string; localPath?: string }>;
  /** The description with `{dataset_docs}` substituted. */
  description: string;
  /** Starter code entries copied into the workspace root under `name`. */
  starterCode: Array<{ hostPath: string; name: string }>;
  sampleSubmission?: string;
  priorityMetric?: string;
  directionOf(metric: string): MetricDirection;
}

/** How many parent folders of a YAML file relative paths are looked up in (the original resolves against its repo root). */
const PARENT_LEVELS = 3;

/** Resolves a path written in a YAML file: absolute, else the YAML's folder, else one of its parents. */
export function resolveConfigPath(path: string, yamlFile: string, field: string): string {
  if (isAbsolute(path)) {
    if (existsSync(path)) return path;
    throw new ConfigError(`path '${path}' does not exist`, { file: yamlFile, field });
  }
  const tried: string[] = [];
  let dir = dirname(resolve(yamlFile));
  for (let level = 0; level <= PARENT_LEVELS; level++) {
    const candidate = join(dir, path);
    if (existsSync(candidate)) return candidate;
    tried.push(candidate);
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new ConfigError(`path '${path}' not found (looked in: ${tried.join(", ")})`, {
    file: yamlFile,
    field,
  });
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

/** Loads and validates a task YAML file and everything it references. */
export function loadTaskSpec(file: string): TaskSpec {
  const abs = resolve(file);
  const config = parseWithSchema(taskConfigSchema, readYamlFile(abs), abs);
  const datasets = config.dataset_configs.map((path, i) => {
    const dsFile = resolveConfigPath(path, abs, `dataset_configs.${i}`);
    const ds = parseWithSchema(datasetConfigSchema, readYamlFile(dsFile), dsFile);
    const localPath = ds.is_local ? resolveConfigPath(ds.data_path, dsFile, "data_path") : undefined;
    return localPath ? { config: ds, file: dsFile, localPath } : { config: ds, file: dsFile };
  });
  const docs = datasets.map((d) => `${d.config.name.toUpperCase()}:\n${d.config.description}\n\n`).join("");
  const starterCode = config.starter_code.map((path, i) => {
    const hostPath = resolveConfigPath(path, abs, `starter_code.${i}`);
    return { hostPath, name: basename(hostPath) };
  });
  const sampleSubmission = config.sample_submission
    ? resolveConfigPath(config.sample_submission, abs, "sample_submission")
    : undefined;
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
    file: abs,
    datasets,
    description: formatDescription(config.description, docs, abs),
    starterCode,
    directionOf: (metric) => config.metric_directions[metric] ?? "maximize",
  };
  if (sampleSubmission) spec.sampleSubmission = sampleSubmission;
  if (priorityMetric) spec.priorityMetric = priorityMetric;
  return spec;
}
