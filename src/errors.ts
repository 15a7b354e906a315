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

/** A model provider call failed; `retryable` says whether trying again may help (429, 5xx, timeouts). */
export class ModelError extends MLGymError {
  override name = "ModelError";
  readonly status: number | undefined;
  readonly retryable: boolean;
  /** Seconds the provider asked us to wait (Retry-After), when it said. */
  readonly retryAfterS: number | undefined;
  constructor(
    message: string,
    details: { status?: number; retryable: boolean; retryAfterS?: number; cause?: unknown },
  ) {
    super(message, { cause: details.cause });
    this.status = details.status;
    this.retryable = details.retryable;
    this.retryAfterS = details.retryAfterS;
  }
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
