/** Base class of every fault the framework raises on purpose; expected outcomes are values, not errors. */
export class MLGymError extends Error {
  override name = "MLGymError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Bad configuration or input: names the file, the field and what is allowed. CLI exit code 2. */
export class ConfigError extends MLGymError {
  override name = "ConfigError";
  readonly file: string | undefined;
  readonly field: string | undefined;
  constructor(message: string, details: { file?: string; field?: string; cause?: unknown } = {}) {
    const where = [details.file, details.field].filter(Boolean).join(": ");
    super(where ? `${where}: ${message}` : message, { cause: details.cause });
    this.file = details.file;
    this.field = details.field;
  }
}

/** The sandbox or the process inside it failed (an infrastructure fault, not the agent's). */
export class SandboxError extends MLGymError {
  override name = "SandboxError";
}

/** The task's evaluation could not produce metrics. */
export class EvaluationError extends MLGymError {
  override name = "EvaluationError";
  /** Short machine-readable kind, used in exit statuses (`submission_not_found`, `evaluation_format_error`, ...). */
  readonly kind: string = "evaluation_error";
}

/** No submission artefact was found where the task kind expects one. */
export class SubmissionNotFoundError extends EvaluationError {
  override name = "SubmissionNotFoundError";
  override readonly kind = "submission_not_found";
}

/** The evaluation ran but its output held no parseable metrics. */
export class EvaluationFormatError extends EvaluationError {
  override name = "EvaluationFormatError";
  override readonly kind = "evaluation_format_error";
  readonly output: string;
  constructor(output: string, message?: string) {
    super(
      message ??
        `Failed to decode metrics from evaluation script. Output:\n---\n${output}\n---\nPlease make sure the evaluation script prints the metrics in json format.`,
    );
    this.output = output;
  }
}

/**
 * What went wrong on the infrastructure's side (not the agent's): recorded in the trajectory's
 * `info.infrastructure_error` and in `results.json`, printed as it happens, and left out of report scores.
 */
export type InfrastructureKind =
  /** The provider could not be reached (connection refused, DNS, TLS) or did not answer in time. */
  | "api_unreachable"
  /** 401/403: missing or wrong key, no access. */
  | "api_auth"
  /** 404 or the provider's "model does not exist". */
  | "model_not_found"
  /** Retries ran out on rate limits or server faults (429, 5xx), or the answer was malformed every time. */
  | "api_error"
  /** The sandbox could not be started or died under the episode. */
  | "sandbox"
  /** Anything else outside the agent's control that ended the episode. */
  | "other";

/** The record written to `info.infrastructure_error` and `results.json`'s `infrastructure_error`. */
export interface InfrastructureFailure {
  kind: InfrastructureKind;
  message: string;
  /** The step (1-based, as counted in the trajectory) at which it happened; 0 before the first step. */
  step: number;
}

/** A model provider call failed; `retryable` says whether trying again may help (429, 5xx, timeouts). */
export class ModelError extends MLGymError {
  override name = "ModelError";
  readonly status: number | undefined;
  readonly retryable: boolean;
  /** Seconds the provider asked us to wait (Retry-After), when it said. */
  readonly retryAfterS: number | undefined;
  /** Which infrastructure failure this is when it ends an episode (by status unless given). */
  readonly infrastructure: InfrastructureKind;
  constructor(
    message: string,
    details: {
      status?: number;
      retryable: boolean;
      retryAfterS?: number;
      cause?: unknown;
      infrastructure?: InfrastructureKind;
    },
  ) {
    super(message, { cause: details.cause });
    this.status = details.status;
    this.retryable = details.retryable;
    this.retryAfterS = details.retryAfterS;
    this.infrastructure = details.infrastructure ?? infrastructureKindOfStatus(details.status);
  }
}

/** The infrastructure kind an HTTP status implies. */
export function infrastructureKindOfStatus(status: number | undefined): InfrastructureKind {
  if (status === 401 || status === 403) return "api_auth";
  if (status === 404) return "model_not_found";
  if (status === undefined) return "api_unreachable";
  return "api_error";
}

/** The prompt does not fit the model's context window. */
export class ContextWindowError extends ModelError {
  override name = "ContextWindowError";
  constructor(message: string, cause?: unknown) {
    super(message, { retryable: false, cause });
  }
}

/** The next call could cost more than the remaining budget. */
export class CostLimitError extends MLGymError {
  override name = "CostLimitError";
}
