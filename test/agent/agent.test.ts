import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { type AgentLimits, runAgent } from "../../src/agent/agent.js";
import { loadAgentConfig, toolsetOptions } from "../../src/agent/config.js";
import { make } from "../../src/env/make.js";
import { ContextWindowError, ModelError } from "../../src/errors.js";
import type { ChatMessage, Model, ModelResponse, QueryOptions } from "../../src/models/model.js";
import { OpenAIModel } from "../../src/models/openai.js";
import { ScriptedModel } from "../../src/models/scripted.js";
import { loadToolset } from "../../src/tools/index.js";
import type { TrajectoryFile } from "../../src/trajectory/files.js";
import { readTrajectory } from "../../src/trajectory/read.js";
import { FIXTURE_TASKS } from "../helpers/fixtures.js";
import { FakeServer } from "../models/fake-server.js";

const fenced = (cmd: string, talk = "DISCUSSION\nnext step") => `${talk}\n\`\`\`\n${cmd}\n\`\`\``;

async function episode(
  model: Model,
  options: { maxSteps?: number; limits?: AgentLimits; task?: string } = {},
) {
  const env = make(options.task ?? "tinyPython", {
    tasksDirs: [FIXTURE_TASKS],
    maxSteps: options.maxSteps ?? 10,
  });
  const outputDir = mkdtempSync(join(tmpdir(), "mlgym-run-"));
  const flushed: number[] = [];
  try {
    const result = await runAgent({
      env,
      model,
      config: loadAgentConfig(),
      outputDir,
      ...(options.limits ? { limits: options.limits } : {}),
      onStep: (_step, info) => {
        const traj = JSON.parse(readFileSync(result_file(), "utf8")) as TrajectoryFile;
        flushed.push(traj.trajectory.length - info.step);
      },
    });
    const traj = JSON.parse(readFileSync(result.trajectoryFile, "utf8")) as TrajectoryFile;
    const results = JSON.parse(readFileSync(result.resultsFile, "utf8")) as {
      agent: unknown[];
      baseline?: unknown;
    };
    return { result, traj, results, flushed };
  } finally {
    await env.close();
  }
  function result_file() {
    return join(outputDir, `${options.task ?? "tinyPython"}.traj`);
  }
}

/** A model that fails or reports costs, to drive the limit paths. */
class ProgrammedModel implements Model {
  readonly id = "programmed:test";
  calls = 0;
  constructor(
    private readonly answer: (call: number, messages: ChatMessage[]) => ModelResponse,
    private readonly worstCase?: number,
  ) {}
  /** The tools offered in each call. */
  readonly toolsSeen: string[][] = [];
  async query(messages: ChatMessage[], options?: QueryOptions): Promise<ModelResponse> {
    this.toolsSeen.push((options?.tools ?? []).map((t) => t.name));
    return this.answer(this.calls++, messages);
  }
  maxCostUsd(): number | undefined {
    return this.worstCase;
  }
}

test("a scripted episode edits, validates and submits; .traj and results.json have the original's shape", async () => {
  const model = new ScriptedModel([
    fenced("ls"),
    fenced("sed -i 's/return 4/return 7/' strategy.py"),
    fenced("validate"),
    fenced("submit"),
  ]);
  const { result, traj, results, flushed } = await episode(model);
  assert.equal(result.exitStatus, "submitted");
  assert.deepEqual(results, { agent: [{ Score: 10 }, { Score: 10 }], baseline: { Score: 7 } });
  assert.equal(traj.environment, "mlgym_main");
  assert.equal(traj.trajectory.length, 4);
  assert.deepEqual(Object.keys(traj.trajectory[0]!).sort(), [
    "action",
    "execution_time",
    "observation",
    "response",
    "state",
    "thought",
  ]);
  assert.equal(traj.trajectory[0]?.action, "ls\n");
  assert.equal(traj.trajectory[0]?.observation, "evaluate.py\nstrategy.py");
  assert.match(traj.trajectory[0]!.state, /^\{"open_file": "n\/a", "working_dir": ".*workspace"\}$/);
  assert.equal(traj.trajectory[3]?.observation, "Exited (submit)");
  assert.deepEqual(traj.info.score, [{ Score: 10 }, { Score: 10 }]);
  assert.equal(traj.info.exit_status, "submitted");
  assert.match(String(traj.info.submission), /target\.py$/);
  assert.deepEqual(
    traj.history.map((h) => h.role),
    ["system", "user", "assistant", "user", "assistant", "user", "assistant", "user", "assistant"],
  );
  assert.match(traj.history[0]!.content, /open "<path>" \[<line_number>\]/);
  assert.match(
    traj.history[1]!.content,
    /Edit guess\(\)[\s\S]*\(Current Step: 0, Remaining Steps: 10\)\n\(Open file: n\/a\)/,
  );
  assert.match(
    traj.history[3]!.content,
    /^evaluate\.py\nstrategy\.py\n\(Current Step: 1, Remaining Steps: 9\)/,
  );
  assert.match(traj.history[5]!.content, /^The command finished without printing anything\./);
  assert.deepEqual(flushed, [0, 0, 0, 0], "the trajectory is on disk after every step");
});

test("badly formatted answers are re-queried with a temporary history, then exit_format autosubmits", async () => {
  const model = new ScriptedModel(["no block", fenced("ls"), "still none", "nope", "never"]);
  const { result, traj } = await episode(model);
  assert.equal(traj.trajectory[0]?.action, "ls\n");
  assert.equal(traj.history.filter((h) => h.role === "assistant" && h.content === "no block").length, 0);
  assert.equal(model.seen[1]?.at(-1)?.role, "user");
  assert.match(model.seen[1]!.at(-1)!.content, /^Your answer could not be run \(No command block found/);
  assert.equal(traj.trajectory[1]?.action, "exit_format");
  assert.equal(result.exitStatus, "autosubmission (exit_format)");
  // The refused answers are kept in the trajectory, beside the step they preceded.
  assert.deepEqual(
    traj.trajectory[0]?.requeries?.map((r) => r.response),
    ["no block"],
  );
  assert.match(traj.trajectory[0]!.requeries![0]!.error, /^Your answer could not be run \(No command block/);
  assert.deepEqual(
    traj.trajectory[1]?.requeries?.map((r) => r.response),
    ["still none", "nope", "never"],
  );
  assert.equal(readTrajectory(result.trajectoryFile).trajectory[1]?.requeries?.length, 3);
});

test("blocked interactive commands are re-queried, not run", async () => {
  const model = new ScriptedModel([fenced("vim strategy.py"), fenced("echo instead"), fenced("submit")]);
  const { traj } = await episode(model);
  assert.equal(traj.trajectory[0]?.action, "echo instead\n");
  assert.match(model.seen[1]!.at(-1)!.content, /Interactive operation 'vim' is not supported/);
  assert.deepEqual(traj.trajectory[0]?.requeries, [
    {
      response: fenced("vim strategy.py"),
      error: "Interactive operation 'vim' is not supported by this environment.",
    },
  ]);
  assert.equal(traj.trajectory[1]?.requeries, undefined, "no field on a step without re-queries");
});

test("--max-steps N asks the model N times; the N-th step runs, then autosubmits (max_steps)", async () => {
  const model = new ScriptedModel([fenced("echo 1"), fenced("echo 2"), fenced("echo 3")]);
  const { result, traj } = await episode(model, { maxSteps: 2 });
  assert.equal(model.seen.length, 2, "no answer is requested only to be thrown away");
  assert.equal(result.exitStatus, "autosubmission (max_steps)");
  assert.deepEqual(
    traj.trajectory.map((s) => [s.action, s.observation]),
    [
      ["echo 1\n", "1"],
      ["echo 2\n", "2"],
    ],
  );
  assert.deepEqual(traj.info.score, [{ Score: 7 }]);
});

test("the cost limit is checked against the worst case before a call, so it is never exceeded", async () => {
  const model = new ProgrammedModel(() => ({ content: fenced("ls"), costUsd: 0.3 }), 0.35);
  const { result, traj } = await episode(model, { limits: { costLimitUsd: 1 } });
  assert.equal(result.exitStatus, "autosubmission (exit_cost)");
  // 0.6 spent + 0.35 worst case <= 1: a third call; 0.9 + 0.35 > 1: no fourth.
  assert.equal(model.calls, 3);
  assert.ok(result.stats.total_cost <= 1);
  assert.equal(traj.trajectory.at(-1)?.thought, "Exit due to cost limit");
});

test("model API failures end with exit_api and an autosubmission, never an empty status", async () => {
  const model = new ProgrammedModel((call) => {
    if (call === 0) return { content: fenced("ls") };
    throw new ModelError("503 after 10 retries", { status: 503, retryable: true });
  });
  const { result, traj, results } = await episode(model);
  assert.equal(result.exitStatus, "autosubmission (exit_api)");
  assert.match(traj.trajectory.at(-1)!.thought, /Exit due to model API error: 503/);
  const failure = { kind: "api_error", message: "503 after 10 retries", step: 2 };
  assert.deepEqual(traj.info.infrastructure_error, failure);
  assert.deepEqual((results as { infrastructure_error?: unknown }).infrastructure_error, failure);
  assert.deepEqual(result.infrastructureError, failure);
});

test("a context-window overflow is the agent's failure: no infrastructure record", async () => {
  const model = new ProgrammedModel(() => {
    throw new ContextWindowError("prompt is too long");
  });
  const { result, traj, results } = await episode(model);
  assert.equal(result.exitStatus, "autosubmission (exit_context)");
  assert.equal(traj.info.infrastructure_error, undefined);
  assert.equal("infrastructure_error" in results, false);
});

test("an aborted signal stops a long command and ends the episode with exit_interrupted", async () => {
  const controller = new AbortController();
  const model = new ProgrammedModel((call) => ({ content: fenced(call === 0 ? "sleep 30" : "ls") }));
  const env = make("tinyPython", { tasksDirs: [FIXTURE_TASKS], maxSteps: 10 });
  const outputDir = mkdtempSync(join(tmpdir(), "mlgym-run-"));
  const started = performance.now();
  try {
    const result = await runAgent({
      env,
      model,
      config: loadAgentConfig(),
      outputDir,
      signal: controller.signal,
      onEvent: (e) => {
        if (e.kind === "action" && e.action.startsWith("sleep")) setTimeout(() => controller.abort(), 300);
      },
    });
    assert.ok(performance.now() - started < 15_000, "the sleep was interrupted");
    assert.equal(result.exitStatus, "autosubmission (exit_interrupted)");
    assert.equal(model.calls, 1, "no model call after the interruption");
    const traj = JSON.parse(readFileSync(result.trajectoryFile, "utf8")) as TrajectoryFile;
    assert.deepEqual(
      traj.trajectory.map((s) => s.action),
      ["sleep 30\n", "exit_interrupted"],
    );
    assert.match(traj.trajectory[0]!.observation, /\^C \(the command was interrupted\)$/);
    assert.deepEqual(JSON.parse(readFileSync(result.resultsFile, "utf8")).agent, [{ Score: 7 }]);
  } finally {
    await env.close();
  }
});

test("the time limit ends the episode with exit_time", async () => {
  const model = new ProgrammedModel(() => ({ content: fenced("sleep 1.2") }));
  const { result } = await episode(model, { limits: { timeLimitS: 1 } });
  assert.equal(result.exitStatus, "autosubmission (exit_time)");
});

test("native tool calling: function calls drive the same tools", async () => {
  const calls = [
    { name: "open", arguments: { path: "strategy.py" } },
    { name: "edit", arguments: { start_line: 3, end_line: 3, replacement_text: "    return 7\n" } },
    { name: "validate", arguments: {} },
    { name: "submit", arguments: {} },
  ];
  const model = new ProgrammedModel((call, _messages) => {
    const next = calls[call];
    return next
      ? { content: `step ${call}`, toolCalls: [{ id: `c${call}`, ...next }] }
      : { content: "no call at all" };
  });
  const env = make("tinyPython", { tasksDirs: [FIXTURE_TASKS] });
  const outputDir = mkdtempSync(join(tmpdir(), "mlgym-run-"));
  try {
    const result = await runAgent({
      env,
      model,
      config: loadAgentConfig("agents/tool-calls.yaml"),
      outputDir,
    });
    assert.equal(result.exitStatus, "submitted");
    assert.deepEqual(result.scores, [{ Score: 10 }, { Score: 10 }]);
    assert.ok(model.toolsSeen[0]?.includes("edit") && model.toolsSeen[0]?.includes("bash"));
    const traj = JSON.parse(readFileSync(result.trajectoryFile, "utf8")) as TrajectoryFile;
    assert.equal(traj.trajectory[1]?.action, "edit 3:3\n    return 7\nend_of_edit");
    assert.match(traj.trajectory[1]!.response, /<tool_call>\{"name":"edit"/);
  } finally {
    await env.close();
  }
});

test("demonstrations are shown to every agent, from trajectories recorded under any agent name", async () => {
  const dir = mkdtempSync(join(tmpdir(), "mlgym-demo-"));
  const demo = join(dir, "demo.traj");
  writeFileSync(
    demo,
    JSON.stringify({
      history: [
        { role: "system", content: "old system prompt", agent: "primary_3" },
        { role: "user", content: "DEMO TASK", agent: "primary_3" },
        { role: "assistant", content: "DEMO ANSWER", agent: "primary_3" },
      ],
    }),
  );
  const config = loadAgentConfig();
  const withDemo = {
    ...config,
    demonstrations: [demo],
    demonstration_template: "Here is an example:\n{demonstration}",
  };
  const model = new ScriptedModel([fenced("submit")]);
  const env = make("tinyPython", { tasksDirs: [FIXTURE_TASKS] });
  try {
    await runAgent({ env, model, config: withDemo, outputDir: dir });
  } finally {
    await env.close();
  }
  const first = model.seen[0]!;
  assert.equal(first[1]?.content, "Here is an example:\nDEMO TASK\nDEMO ANSWER");
  assert.match(
    first[2]!.content,
    /Edit guess\(\)/,
    "the task message still comes right after the demonstration",
  );
});

test("an agent config's own command files, env variables and doc style are what the agent gets", async () => {
  const dir = mkdtempSync(join(tmpdir(), "mlgym-agentcfg-"));
  const tools = join(process.cwd(), "tools");
  const file = join(dir, "small.yaml");
  writeFileSync(
    file,
    [
      'system_template: "Commands:\\n{command_docs}\\nWindow {WINDOW}"',
      "task_template: '{description} ({current_step}/{remaining_steps})'",
      "next_step_template: '{observation}'",
      "tools:",
      "  command_files:",
      ...["defaults.sh", "submit.sh", "validate.sh"].map((f) => `    - ${join(tools, f)}`),
      "  env_variables: {WINDOW: 3, OVERLAP: 1}",
      "  parser: ParseCommandBash",
    ].join("\n"),
  );
  const config = loadAgentConfig(file);
  const model = new ScriptedModel([fenced("open strategy.py"), fenced("search_dir guess"), fenced("submit")]);
  const env = make("tinyPython", {
    tasksDirs: [FIXTURE_TASKS],
    toolset: loadToolset(toolsetOptions(config)),
  });
  try {
    const result = await runAgent({ env, model, config, outputDir: dir });
    const traj = JSON.parse(readFileSync(result.trajectoryFile, "utf8")) as TrajectoryFile;
    const system = traj.history[0]!.content;
    assert.match(system, /^Commands:\nopen "<path>" \[<line_number>\] - /);
    assert.doesNotMatch(system, /search_dir/);
    assert.match(system, /Window 3$/);
    assert.match(
      traj.trajectory[0]!.observation,
      /^\[File: .*strategy\.py \(3 lines total\)\]\n1:def guess\(\):\n2:/,
    );
    assert.match(traj.trajectory[1]!.observation, /search_dir: command not found/);
    assert.equal(result.exitStatus, "submitted");
  } finally {
    await env.close();
  }
});

test("a prompt over the context window ends with exit_context and an autosubmission", async () => {
  const model = new ProgrammedModel((call) => {
    if (call === 0) return { content: fenced("ls") };
    throw new ContextWindowError("prompt is too long: 210000 tokens > 200000 maximum");
  });
  const { result, traj } = await episode(model);
  assert.equal(result.exitStatus, "autosubmission (exit_context)");
  assert.equal(traj.trajectory.at(-1)?.action, "exit_context");
  assert.deepEqual(traj.info.score, [{ Score: 7 }]);
});

test("the token record an OpenAI-compatible server (vLLM) returns is written to each step of the trajectory", async () => {
  const answer = (content: string, ids: number[]) => ({
    id: "c",
    object: "chat.completion",
    created: 0,
    model: "qwen",
    prompt_token_ids: [1, 2, 3],
    choices: [
      {
        index: 0,
        finish_reason: "stop",
        message: { role: "assistant", content },
        logprobs: { content: ids.map((id) => ({ token: `t${id}`, logprob: -id / 10 })) },
        token_ids: ids,
      },
    ],
    usage: { prompt_tokens: 3, completion_tokens: ids.length, total_tokens: 3 + ids.length },
  });
  const server = await FakeServer.start(
    { json: answer(fenced("ls"), [11, 12]) },
    { json: answer(fenced("submit"), [21, 22, 23]) },
  );
  try {
    const model = new OpenAIModel("qwen", { baseUrl: `${server.url}/v1`, logprobs: true });
    const { traj } = await episode(model);
    assert.deepEqual(
      traj.trajectory.map((s) => s.logprobs?.token_ids),
      [
        [11, 12],
        [21, 22, 23],
      ],
    );
    assert.deepEqual(traj.trajectory[1]!.logprobs?.logprobs, [-2.1, -2.2, -2.3]);
    assert.deepEqual(traj.trajectory[0]!.logprobs?.prompt_token_ids, [1, 2, 3]);
    assert.equal(server.requests.length, 2);
    assert.ok(server.requests.every((r) => r.body.logprobs === true && r.body.return_token_ids === true));
  } finally {
    await server.close();
  }
});
