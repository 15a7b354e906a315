/** JSON Schemas of the WebSocket's action, observation and state (`GET /schema`), and the OpenAPI description. */

const metricsSchema = { type: "object", additionalProperties: { type: "number" } };

/** OpenEnv's action: one command line (a shell command or one of the agent's tools). */
export const actionSchema = {
  title: "MLGymAction",
  type: "object",
  properties: {
    command: {
      type: "string",
      description:
        "the action: a shell command, a tool (open, edit, validate, submit, ...) or an exit action",
    },
    metadata: { type: "object", additionalProperties: true },
  },
  required: ["command"],
  additionalProperties: false,
};

/** What `data.observation` of a reset or step reply holds; `done` and `reward` travel beside it. */
export const observationSchema = {
  title: "MLGymObservation",
  type: "object",
  properties: {
    text: { type: "string", description: "the command's output (after reset: the task description)" },
    terminated: { type: "boolean", description: "the agent ended the episode (submit, forfeit, skip)" },
    truncated: { type: "boolean", description: "a limit ended the episode (step limit, exit actions)" },
    info: {
      type: "object",
      description:
        "StepInfo (step, exitCode, timedOut, exitStatus, metrics, submission, scores, executionTime), or ResetInfo after reset",
      properties: {
        step: { type: "integer" },
        exitCode: { type: "integer" },
        timedOut: { type: "string", enum: ["total", "no-output"] },
        exitStatus: { type: "string" },
        metrics: metricsSchema,
        submission: { type: "string" },
        scores: { type: "array", items: metricsSchema },
        executionTime: { type: "number" },
        episode_id: { type: "string" },
      },
      additionalProperties: true,
    },
    done: { type: "boolean", default: false },
    reward: { anyOf: [{ type: "number" }, { type: "null" }], default: null },
    metadata: { type: "object", additionalProperties: true },
  },
  required: ["text", "terminated", "truncated", "info"],
};

/** A session's state. */
export const stateSchema = {
  title: "MLGymState",
  type: "object",
  properties: {
    episode_id: { anyOf: [{ type: "string" }, { type: "null" }] },
    step_count: { type: "integer", minimum: 0 },
    task_id: { anyOf: [{ type: "string" }, { type: "null" }] },
    done: { type: "boolean" },
    policy_version: { anyOf: [{ type: "string" }, { type: "null" }] },
    max_steps: { type: "integer" },
  },
  required: ["episode_id", "step_count"],
  additionalProperties: true,
};

const errorBody = {
  type: "object",
  properties: {
    error: {
      type: "object",
      properties: {
        code: {
          type: "string",
          enum: [
            "UNAUTHORIZED",
            "NOT_FOUND",
            "VALIDATION_ERROR",
            "EPISODE_ENDED",
            "CAPACITY_REACHED",
            "EXECUTION_ERROR",
          ],
        },
        message: { type: "string" },
      },
      required: ["code", "message"],
    },
  },
  required: ["error"],
};

const json = (schema: object) => ({ "application/json": { schema } });
const errors = (...codes: number[]) =>
  Object.fromEntries(
    codes.map((c) => [
      String(c),
      { description: "error", content: json({ $ref: "#/components/schemas/Error" }) },
    ]),
  );
const envId = { name: "env_id", in: "path", required: true, schema: { type: "string" } };

const resetInfo = {
  type: "object",
  properties: {
    taskId: { type: "string" },
    taskName: { type: "string" },
    baselineScores: metricsSchema,
    priorityMetric: { type: "string" },
    workspace: { type: "string" },
    sandbox: { type: "string" },
    maxSteps: { type: "integer" },
    trainingTimeoutS: { type: "number" },
    seed: { type: "integer" },
    episode_id: { type: "string" },
    fromSnapshot: {
      type: "object",
      description:
        "set on a fork: the snapshot, the step it was taken at, whether the shell state was restored",
      properties: { id: { type: "string" }, step: { type: "integer" }, shellRestored: { type: "boolean" } },
    },
  },
};

const snapshotListing = {
  type: "object",
  properties: {
    snapshot_id: { type: "string" },
    task_id: { type: "string" },
    episode_id: { anyOf: [{ type: "string" }, { type: "null" }] },
    step: { type: "integer" },
    created_at: { type: "string", format: "date-time" },
  },
  required: ["snapshot_id", "task_id", "episode_id", "step", "created_at"],
};

/** The OpenAPI 3.1 description of every HTTP path (the WebSocket at `/ws` is described in words). */
export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: "3.1.0",
    info: {
      title: "mlgym serve",
      version: "1.0.0",
      description:
        "MLGym environments over OpenEnv's protocol (WebSocket at /ws: one connection is one episode with its own sandbox; frames reset/step/state/snapshot/close/mcp) and a stateful HTTP API under /api/v1.",
    },
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      schemas: { Error: errorBody, Action: actionSchema, Observation: observationSchema, State: stateSchema },
    },
    security: [{ bearer: [] }],
    paths: {
      "/health": {
        get: {
          summary: "liveness",
          security: [],
          responses: {
            "200": {
              description: "healthy",
              content: json({ type: "object", properties: { status: { type: "string" } } }),
            },
          },
        },
      },
      "/metadata": {
        get: {
          summary: "name, description and version of the environment",
          security: [],
          responses: { "200": { description: "metadata" } },
        },
      },
      "/schema": {
        get: {
          summary: "JSON Schemas of the action, observation and state",
          security: [],
          responses: { "200": { description: "schemas" } },
        },
      },
      "/mcp": {
        post: {
          summary:
            "JSON-RPC 2.0: initialize, tools/list, tools/call (params.session_id = an env_id), openenv/session/create, openenv/session/close",
          requestBody: { content: json({ type: "object" }) },
          responses: { "200": { description: "JSON-RPC response" } },
        },
      },
      "/api/v1/tasks": {
        get: {
          summary: "the tasks this server serves",
          responses: {
            "200": {
              description: "tasks",
              content: json({
                type: "object",
                properties: {
                  tasks: {
                    type: "array",
                    items: {
                      type: "object",
                      properties: {
                        id: { type: "string" },
                        name: { type: "string" },
                        description: { type: "string" },
                      },
                    },
                  },
                },
              }),
            },
            ...errors(401),
          },
        },
      },
      "/api/v1/sessions": {
        get: {
          summary: "live environments and the most allowed (--max-envs)",
          responses: {
            "200": {
              description: "counts",
              content: json({
                type: "object",
                properties: { active_sessions: { type: "integer" }, max_sessions: { type: "integer" } },
              }),
            },
            ...errors(401),
          },
        },
      },
      "/api/v1/envs": {
        post: {
          summary: "create an environment (a session that will hold one sandbox; no episode yet)",
          requestBody: {
            required: true,
            content: json({
              type: "object",
              properties: {
                task_id: { type: "string" },
                max_steps: { type: "integer", minimum: 1 },
                max_observation_chars: { type: "integer", minimum: 100 },
                policy_version: { type: "string" },
              },
              required: ["task_id"],
              additionalProperties: false,
            }),
          },
          responses: {
            "201": {
              description: "created",
              content: json({
                type: "object",
                properties: { env_id: { type: "string" }, task_id: { type: "string" } },
              }),
            },
            ...errors(400, 401, 404, 503),
          },
        },
      },
      "/api/v1/envs/{env_id}/reset": {
        post: {
          summary:
            "start a new episode in a fresh workspace, or with snapshot_id a fork of that snapshot (its task, workspace, shell state and step count)",
          parameters: [envId],
          requestBody: {
            content: json({
              type: "object",
              properties: {
                seed: { type: "integer", minimum: 0 },
                episode_id: { type: "string", maxLength: 255 },
                task_id: { type: "string" },
                policy_version: { type: "string" },
                max_steps: { type: "integer", minimum: 1 },
                max_observation_chars: { type: "integer", minimum: 100 },
                snapshot_id: { type: "string" },
              },
              additionalProperties: false,
            }),
          },
          responses: {
            "200": {
              description: "the task description and ResetInfo",
              content: json({
                type: "object",
                properties: { observation: { type: "string" }, info: resetInfo },
              }),
            },
            ...errors(400, 401, 404, 500),
          },
        },
      },
      "/api/v1/envs/{env_id}/step": {
        post: {
          summary: "run one action",
          parameters: [envId],
          requestBody: {
            required: true,
            content: json({
              type: "object",
              properties: { action: { type: "string" }, command: { type: "string" } },
              additionalProperties: false,
            }),
          },
          responses: {
            "200": {
              description: "Gymnasium's step values",
              content: json({
                type: "object",
                properties: {
                  observation: { type: "string" },
                  reward: { type: "number" },
                  terminated: { type: "boolean" },
                  truncated: { type: "boolean" },
                  info: observationSchema.properties.info,
                },
              }),
            },
            ...errors(400, 401, 404, 409, 500),
          },
        },
      },
      "/api/v1/envs/{env_id}/state": {
        get: {
          summary: "the episode's state",
          parameters: [envId],
          responses: {
            "200": {
              description: "state",
              content: json({
                type: "object",
                properties: {
                  env_id: { type: "string" },
                  task_id: { type: "string" },
                  episode_id: { anyOf: [{ type: "string" }, { type: "null" }] },
                  step_count: { type: "integer" },
                  done: { type: "boolean" },
                  policy_version: { anyOf: [{ type: "string" }, { type: "null" }] },
                },
              }),
            },
            ...errors(401, 404),
          },
        },
      },
      "/api/v1/envs/{env_id}/snapshot": {
        post: {
          summary:
            "snapshot the episode between steps (workspace, shell state, step count); fork it with a reset that names it",
          parameters: [envId],
          responses: {
            "201": { description: "the snapshot", content: json(snapshotListing) },
            ...errors(401, 404, 409, 503),
          },
        },
      },
      "/api/v1/snapshots": {
        get: {
          summary: "the snapshots the server holds (deleted when the server stops)",
          responses: {
            "200": {
              description: "snapshots",
              content: json({
                type: "object",
                properties: { snapshots: { type: "array", items: snapshotListing } },
              }),
            },
            ...errors(401),
          },
        },
      },
      "/api/v1/snapshots/{snapshot_id}": {
        delete: {
          summary: "delete a snapshot",
          parameters: [{ name: "snapshot_id", in: "path", required: true, schema: { type: "string" } }],
          responses: {
            "200": {
              description: "deleted",
              content: json({ type: "object", properties: { deleted: { type: "boolean" } } }),
            },
            ...errors(401, 404),
          },
        },
      },
      "/api/v1/envs/{env_id}": {
        delete: {
          summary: "close the environment (its trajectory is written; a second DELETE is 404)",
          parameters: [envId],
          responses: {
            "200": {
              description: "closed",
              content: json({ type: "object", properties: { closed: { type: "boolean" } } }),
            },
            ...errors(401, 404),
          },
        },
      },
    },
  };
}
