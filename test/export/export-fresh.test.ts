import assert from "node:assert/strict";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { mlgymAsync } from "../helpers/cli.js";
import { FIXTURE_TASKS } from "../helpers/fixtures.js";
import { FakeServer } from "../models/fake-server.js";
import { atifProblems } from "./atif-check.js";
import { exportTo, type Json, lines } from "./export-files.js";

/** Parsed export output: its shape is what the assertions check. */
const fenced = (thought: string, command: string) => `DISCUSSION\n${thought}\n\`\`\`\n${command}\n\`\`\``;
const strategy = (n: number) => `cat > strategy.py <<'EOF'\ndef guess():\n    return ${n}\nEOF`;

async function run(root: string, model: string, ...extra: string[]) {
  const args = ["run", "--task", "tinyPython", "--tasks-dir", FIXTURE_TASKS, "--model", model];
  const r = await mlgymAsync([...args, "--output", root, "--quiet", "--json", ...extra]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout.trim()) as { runDir: string; exitStatus: string };
}

/** Export, finding the fixture tasks. */
const exportFixtures = (root: string, format: string, ...flags: string[]) =>
  exportTo(root, format, "--tasks-dir", FIXTURE_TASKS, ...flags);

describe("mlgym export of fresh runs on a fixture task", () => {
  const root = mkdtempSync(join(tmpdir(), "mlgym-export-runs-"));
  let better: string;
  let _worse: string;
  let _tools: string;

  before(async () => {
    // Baseline 7 (guess 4); a guess of 6 scores 9, a guess of 1 scores 4.
    const script = (name: string, answers: string[]) => {
      const file = join(mkdtempSync(join(tmpdir(), "mlgym-script-")), `${name}.json`);
      writeFileSync(file, JSON.stringify(answers));
      return `scripted:${file}`;
    };
    better = (
      await run(
        join(root, "a"),
        script("better", [
          fenced("Score the starter.", "validate"),
          fenced("Guess closer.", strategy(6)),
          fenced("Score it.", "validate"),
          fenced("Hand it in.", "submit"),
        ]),
      )
    ).runDir;
    _worse = (
      await run(
        join(root, "b"),
        script("worse", [fenced("Guess 1.", strategy(1)), fenced("Done.", "submit")]),
      )
    ).runDir;
    const call = (name: string, args: Json, text: string) => ({
      json: {
        id: "chatcmpl-x",
        object: "chat.completion",
        created: 1,
        model: "gpt-4o-mini",
        choices: [
          {
            index: 0,
            finish_reason: "tool_calls",
            message: {
              role: "assistant",
              content: text,
              tool_calls: [
                { id: "srv1", type: "function", function: { name, arguments: JSON.stringify(args) } },
              ],
            },
          },
        ],
        usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
      },
    });
    const server = await FakeServer.start(
      call("bash", { command: "echo hello" }, "Say hello."),
      call("submit", {}, "Submit."),
    );
    try {
      _tools = (
        await run(
          join(root, "c"),
          "openai:gpt-4o-mini",
          "--base-url",
          `${server.url}/v1`,
          "--agent-config",
          "agents/tool-calls.yaml",
        )
      ).runDir;
    } finally {
      await server.close();
    }
  });

  it("steps-jsonl: rewards and score deltas from the validate and submit steps", async () => {
    const { target } = await exportFixtures(join(root, "a"), "steps-jsonl");
    const steps = lines(target);
    assert.deepEqual(
      steps.map((s) => [
        s.step,
        s.action.split("\n")[0],
        s.metrics?.Score ?? null,
        s.reward,
        s.score_delta,
        s.done,
      ]),
      [
        [1, "validate", 7, 0, 0, false],
        [2, "cat > strategy.py <<'EOF'", null, 0, null, false],
        [3, "validate", 9, 2 / 7, 2, false],
        [4, "submit", 9, 0, 0, true],
      ],
    );
    assert.equal(steps[3]!.exit_status, "submitted");
    assert.equal(steps[0]!.task, "tinyPython");
    assert.equal(steps[0]!.model, "scripted-better");
    assert.equal(steps[2]!.thought.trim(), "DISCUSSION\nScore it.");
  });

  it("chat-jsonl: system, task prompt, then the model's answers and the observations in turn", async () => {
    const { target } = await exportFixtures(join(root, "a"), "chat-jsonl");
    const [record] = lines(target);
    const traj = JSON.parse(readFileSync(join(better, "tinyPython.traj"), "utf8")) as Json;
    assert.deepEqual(
      record!.messages.map((m: Json) => m.role),
      ["system", "user", "assistant", "user", "assistant", "user", "assistant", "user", "assistant"],
    );
    assert.deepEqual(
      record!.messages.filter((m: Json) => m.role === "assistant").map((m: Json) => m.content),
      traj.trajectory.map((s: Json) => s.response),
    );
    assert.match(record!.messages[1].content, /Edit guess\(\) in strategy\.py/);
    assert.match(record!.messages[3].content, /Evaluation Score: \{'Score': 7\}/);
    assert.deepEqual(record!.metadata, {
      task: "tinyPython",
      model: "scripted-better",
      run: readdirSync(join(root, "a"))[0],
      episode_id: readdirSync(join(root, "a"))[0],
      exit_status: "submitted",
      metric: "Score",
      score: 9,
      baseline: 7,
      improvement: 2 / 7,
    });
  });

  it("chat-jsonl: native function calls become tool_calls answered by tool messages, with the tools offered", async () => {
    const { target } = await exportFixtures(join(root, "c"), "chat-jsonl");
    const [record] = lines(target);
    const messages = record!.messages as Json[];
    assert.deepEqual(
      messages.map((m) => m.role),
      ["system", "user", "assistant", "tool", "assistant"],
    );
    assert.equal(messages[2]!.content, "Say hello.");
    assert.deepEqual(messages[2]!.tool_calls, [
      { id: "call_1_0", type: "function", function: { name: "bash", arguments: '{"command":"echo hello"}' } },
    ]);
    assert.equal(messages[3]!.tool_call_id, "call_1_0");
    assert.match(messages[3]!.content, /hello/);
    assert.equal(messages[4]!.tool_calls[0].function.name, "submit");
    const names = (record!.tools as Json[]).map((t) => t.function.name);
    assert.ok(names.includes("bash") && names.includes("submit") && names.includes("edit"), names.join(","));
    assert.equal(record!.metadata.model, "openai-gpt-4o-mini");
    const atif = await exportFixtures(join(root, "c"), "atif");
    const [folder] = readdirSync(atif.target);
    const doc = JSON.parse(readFileSync(join(atif.target, folder!, "trajectory.json"), "utf8")) as Json;
    assert.deepEqual(atifProblems(doc), []);
    const agent = doc.steps.filter((s: Json) => s.source === "agent");
    assert.deepEqual(
      agent.map((s: Json) => [s.message, s.tool_calls[0].function_name, s.tool_calls[0].arguments]),
      [
        ["Say hello.", "bash", { command: "echo hello" }],
        ["Submit.", "submit", {}],
      ],
    );
    assert.ok(doc.agent.tool_definitions.some((t: Json) => t.function.name === "validate"));
  });

  it("filters: --min-improvement keeps the run that beat the baseline; --model and --exit-status select", async () => {
    const tasks = async (...flags: string[]) =>
      lines((await exportFixtures(root, "chat-jsonl", ...flags)).target).map(
        (r) => r.metadata.model as string,
      );
    assert.deepEqual(await tasks(), ["scripted-better", "scripted-worse", "openai-gpt-4o-mini"]);
    // The tool-calling run submitted the starter: as good as the baseline, not better.
    assert.deepEqual(await tasks("--min-improvement", "0"), ["scripted-better", "openai-gpt-4o-mini"]);
    assert.deepEqual(await tasks("--min-improvement", "0.01"), ["scripted-better"]);
    assert.deepEqual(await tasks("--min-improvement", "0.3"), []);
    assert.deepEqual(await tasks("--model", "scripted:worse,openai-gpt-4o-mini"), [
      "scripted-worse",
      "openai-gpt-4o-mini",
    ]);
    assert.deepEqual(await tasks("--exit-status", "submitted", "--task", "other"), []);
  });

  it("carries token log-probabilities and the policy version; leaves infrastructure failures out by default", async () => {
    const copy = mkdtempSync(join(tmpdir(), "mlgym-export-copy-"));
    const name = readdirSync(join(root, "a"))[0]!;
    cpSync(better, join(copy, name), { recursive: true });
    const file = join(copy, name, "tinyPython.traj");
    const traj = JSON.parse(readFileSync(file, "utf8")) as Json;
    const record = {
      logprobs: [-0.5, -0.25],
      tokens: ["vali", "date"],
      token_ids: [101, 202],
      prompt_token_ids: [1, 2, 3],
    };
    traj.trajectory[0].logprobs = record;
    traj.info.policy_version = "ckpt-42";
    writeFileSync(file, JSON.stringify(traj));
    const steps = lines((await exportFixtures(copy, "steps-jsonl")).target);
    assert.deepEqual(steps[0]!.logprobs, record);
    assert.equal(steps[1]!.logprobs, undefined);
    assert.equal(steps[0]!.policy_version, "ckpt-42");
    const [chat] = lines((await exportFixtures(copy, "chat-jsonl")).target);
    assert.deepEqual(chat!.messages[2].logprobs, record);
    assert.equal(chat!.metadata.policy_version, "ckpt-42");
    const atif = await exportFixtures(copy, "atif");
    const doc = JSON.parse(readFileSync(join(atif.target, name, "trajectory.json"), "utf8")) as Json;
    assert.deepEqual(atifProblems(doc), []);
    assert.deepEqual(doc.steps.find((s: Json) => s.source === "agent").metrics, {
      logprobs: [-0.5, -0.25],
      completion_token_ids: [101, 202],
      prompt_token_ids: [1, 2, 3],
      extra: { tokens: ["vali", "date"] },
    });

    const failed = join(copy, name.replace("_run_0", "_run_1"));
    cpSync(join(copy, name), failed, { recursive: true });
    const results = JSON.parse(readFileSync(join(failed, "results.json"), "utf8")) as Json;
    results.infrastructure_error = { kind: "api_error", message: "HTTP 500", step: 4 };
    writeFileSync(join(failed, "results.json"), JSON.stringify(results));
    const kept = await exportFixtures(copy, "steps-jsonl");
    assert.equal(new Set(lines(kept.target).map((s) => s.episode_id)).size, 1);
    assert.match(kept.stderr, /left out: 1 by infrastructure/);
    const all = await exportFixtures(copy, "steps-jsonl", "--include-infrastructure-failures");
    assert.equal(new Set(lines(all.target).map((s) => s.episode_id)).size, 2);
    mkdirSync(join(copy, "x__y_run_0"));
    writeFileSync(join(copy, "x__y_run_0", "y.traj"), "{not json");
    assert.match(
      (await exportFixtures(copy, "steps-jsonl")).stderr,
      /skipped x__y_run_0: .*y\.traj: invalid JSON/,
    );
  });
});
