import { MLGymError } from "../errors.js";

/**
 * Error codes of the server: OpenEnv's WebSocket codes, plus those of the HTTP API (`UNAUTHORIZED`, `NOT_FOUND`,
 * `EPISODE_ENDED`).
 */
export type ServeErrorCode =
  | "INVALID_JSON"
  | "UNKNOWN_TYPE"
  | "VALIDATION_ERROR"
  | "EXECUTION_ERROR"
  | "CAPACITY_REACHED"
  | "SESSION_ERROR"
  | "UNAUTHORIZED"
  | "NOT_FOUND"
  | "EPISODE_ENDED";

const HTTP_STATUS: Record<ServeErrorCode, number> = {
  INVALID_JSON: 400,
  UNKNOWN_TYPE: 400,
  VALIDATION_ERROR: 400,
  EXECUTION_ERROR: 500,
  CAPACITY_REACHED: 503,
  SESSION_ERROR: 500,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  EPISODE_ENDED: 409,
};

/** A request the server refuses or could not carry out; `details` travel with the error to the client. */
export class ServeError extends MLGymError {
  override name = "ServeError";
  readonly code: ServeErrorCode;
  readonly details: Record<string, unknown>;
  /** The HTTP status of this error (by default the code's). */
  readonly status: number;
  constructor(
    code: ServeErrorCode,
    message: string,
    details: Record<string, unknown> = {},
    cause?: unknown,
    status?: number,
  ) {
    super(message, { cause });
    this.code = code;
    this.details = details;
    this.status = status ?? HTTP_STATUS[code];
  }
}

/** A request field is missing or wrong: names the field and what is allowed. */
export function invalid(field: string, message: string): ServeError {
  return new ServeError("VALIDATION_ERROR", `${field}: ${message}`, {
    errors: [{ loc: [field], msg: message, type: "value_error" }],
  });
}
