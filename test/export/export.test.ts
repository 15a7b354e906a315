import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { mlgymAsync } from "../helpers/cli.js";
import { atifProblems } from "./atif-check.js";
import { exportTo, type Json, lines } from "./export-files.js";

const REFERENCE = join(import.meta.dirname, "..", "..", "..", "shared", "reference", "mlgym-trajectories");

/** Parsed export output: its shape is what the assertions check. */
function referenceRuns(): Array<{ name: string; traj: Json; results: Json }> {
  return readdirSync(REFERENCE)
    .sort()
    .map((name) => {
      const task = name.split("__")[1]!;
      return {
        name,
        traj: JSON.parse(readFileSync(join(REFERENCE, name, `${task}.traj`), "utf8")) as Json,
        results: JSON.parse(readFileSync(join(REFERENCE, name, "results.json"), "utf8")) as Json,
      };
    });
}

describe("mlgym export of the original's trajectories", () => {
  const runs = referenceRuns();

  it("chat-jsonl: one conversation per episode, the history's prompts and the model's answers in order", async () => {
    const { target } = await exportTo(REFERENCE, "chat-jsonl");
    const records = lines(target);
    assert.equal(records.length, runs.length);
    for (const [i, run] of runs.entries()) {
      const record = records[i]!;
      const history = run.traj.history as Json[];
      assert.equal(record.metadata.run, run.name);
      assert.deepEqual(
        record.messages.map((m: Json) => [m.role, m.content]),
        history.map((h) => [h.role, h.content]),
      );
      assert.equal(
        record.messages.filter((m: Json) => m.role === "assistant").length,
        run.traj.trajectory.length,
      );
      assert.equal(record.metadata.exit_status, run.traj.info.exit_status);
    }
    const battle = records.find((r) => r.metadata.task === "battleOfSexes")!;
    assert.equal(battle.metadata.score, 1.2635798454284668);
    assert.equal(battle.metadata.baseline, 1.0226699113845825);
    assert.equal(battle.metadata.model, "claude-35-sonnet-new");
    // 3-SAT's metric is a time: lower is better.
    const sat = records.find((r) => r.metadata.task === "3SATTime")!;
    assert.equal(sat.metadata.metric, "Time");
    assert.ok(Math.abs(sat.metadata.improvement - (16.158 - 15.728) / 16.158) < 1e-9);
  });

  it("steps-jsonl: every step, the evaluations on the validate/submit steps, rewards summing to the improvement", async () => {
    const { target } = await exportTo(REFERENCE, "steps-jsonl");
    const records = lines(target);
    assert.equal(
      records.length,
      runs.reduce((n, r) => n + r.traj.trajectory.length, 0),
    );
    for (const run of runs) {
      const steps = records.filter((r) => r.episode_id === run.name);
      assert.deepEqual(
        steps.map((s) => s.step),
        run.traj.trajectory.map((_: unknown, i: number) => i + 1),
      );
      assert.deepEqual(
        steps.filter((s) => s.metrics).flatMap((s) => s.metrics),
        run.results.agent,
        `${run.name}: evaluations in order`,
      );
      assert.deepEqual(
        steps.map((s) => s.done),
        steps.map((_, i) => i === steps.length - 1),
      );
      assert.equal(steps.at(-1)!.exit_status, run.traj.info.exit_status);
      assert.equal(steps[0]!.action, run.traj.trajectory[0].action);
    }
    const battle = records.filter((r) => r.task === "battleOfSexes");
    const total = battle.reduce((a, r) => a + r.reward, 0);
    assert.ok(Math.abs(total - (1.2635798454284668 - 1.0226699113845825) / 1.0226699113845825) < 1e-12);
    // Step 11 scored below the best so far: a negative delta, no reward.
    const eleven = battle.find((r) => r.step === 11)!;
    assert.equal(eleven.reward, 0);
    assert.ok(Math.abs(eleven.score_delta - (1.1554800271987915 - 1.1951699256896973)) < 1e-12);
    assert.equal(battle.find((r) => r.step === 1)!.score_delta, null);
  });

  it("atif: one trajectory.json per episode, valid against the ATIF schema", async () => {
    const { target } = await exportTo(REFERENCE, "atif");
    assert.deepEqual(readdirSync(target).sort(), runs.map((r) => r.name).sort());
    for (const run of runs) {
      const doc = JSON.parse(readFileSync(join(target, run.name, "trajectory.json"), "utf8")) as Json;
      assert.deepEqual(atifProblems(doc), [], run.name);
      assert.equal(doc.schema_version, "ATIF-v1.6");
      assert.equal(doc.session_id, run.name);
      const agent = doc.steps.filter((s: Json) => s.source === "agent");
      assert.equal(agent.length, run.traj.trajectory.length);
      assert.deepEqual(
        agent.map((s: Json) => s.tool_calls[0].arguments.command),
        run.traj.trajectory.map((s: Json) => s.action),
      );
      assert.deepEqual(
        agent.map((s: Json) => s.observation.results[0].content),
        run.traj.trajectory.map((s: Json) => s.observation),
      );
      assert.deepEqual(
        doc.steps.slice(0, 2).map((s: Json) => [s.source, s.message]),
        [
          ["system", run.traj.history[0].content],
          ["user", run.traj.history[1].content],
        ],
      );
      assert.equal(doc.final_metrics.total_prompt_tokens, run.traj.info.model_stats.tokens_sent);
      assert.equal(doc.final_metrics.total_steps, doc.steps.length);
    }
  });

  it("the schema check rejects what ATIF forbids", () => {
    const doc = {
      schema_version: "ATIF-v1.6",
      session_id: "s",
      agent: { name: "a", version: "1" },
      steps: [{ step_id: 1, source: "user", message: "hi" }],
    };
    assert.deepEqual(atifProblems(doc), []);
    assert.notDeepEqual(atifProblems({ ...doc, steps: [] }), []);
    assert.notDeepEqual(atifProblems({ ...doc, steps: [{ ...doc.steps[0], step_id: 2 }] }), []);
    assert.notDeepEqual(atifProblems({ ...doc, steps: [{ ...doc.steps[0], tool_calls: [] }] }), []);
    assert.notDeepEqual(atifProblems({ ...doc, steps: [{ ...doc.steps[0], reward: 1 }] }), []);
    assert.notDeepEqual(atifProblems({ ...doc, schema_version: "ATIF-v9" }), []);
  });

  it("filters by task, model, exit status, improvement and audit flags", async () => {
    const count = async (root: string, ...flags: string[]) => {
      const { target } = await exportTo(root, "chat-jsonl", ...flags);
      return lines(target).map((r) => r.metadata.task as string);
    };
    assert.deepEqual(await count(REFERENCE, "--task", "blotto,3SATTime"), ["3SATTime", "blotto"]);
    assert.equal((await count(REFERENCE, "--model", "claude-35-sonnet-new")).length, 6);
    assert.deepEqual(await count(REFERENCE, "--model", "gpt4o2"), []);
    assert.deepEqual(await count(REFERENCE, "--exit-status", "autosubmission*"), ["prisonersDilemma"]);
    assert.deepEqual(await count(REFERENCE, "--min-improvement", "0.1"), [
      "battleOfSexes",
      "blotto",
      "imageClassificationFMnist",
    ]);
    const root = mkdtempSync(join(tmpdir(), "mlgym-export-audit-"));
    cpSync(REFERENCE, root, { recursive: true });
    const audited = await mlgymAsync(["audit", root]);
    assert.equal(audited.code, 0, audited.stderr);
    const audits = runs.map(
      (r) => JSON.parse(readFileSync(join(root, r.name, "audit.json"), "utf8")) as Json,
    );
    // One more flag, by hand, on a run the audit passed.
    const clean = runs.findIndex((_, i) => !audits[i]!.flagged);
    writeFileSync(
      join(root, runs[clean]!.name, "audit.json"),
      JSON.stringify({ ...audits[clean], flagged: true }),
    );
    audits[clean]!.flagged = true;
    const kept = await count(root, "--exclude-flagged");
    assert.deepEqual(
      kept,
      runs.filter((_, i) => !audits[i]!.flagged).map((r) => r.name.split("__")[1]),
    );
    assert.ok(kept.length < runs.length - 1, "the audit's own flag and the one set by hand both count");
    assert.equal((await count(root)).length, runs.length);
  });

  it("a bad format or a missing folder is a clear error", async () => {
    const bad = await mlgymAsync(["export", REFERENCE, "--format", "parquet"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--format: unknown format 'parquet'; allowed: chat-jsonl, atif, steps-jsonl/);
    const atif = await mlgymAsync(["export", REFERENCE, "--format", "atif"]);
    assert.equal(atif.code, 2);
    assert.match(atif.stderr, /--out: atif writes one trajectory\.json per episode/);
    const gone = await mlgymAsync(["export", "/nonexistent/runs", "--format", "chat-jsonl"]);
    assert.equal(gone.code, 2);
    assert.match(gone.stderr, /\/nonexistent\/runs: runs directory not found/);
  });
});
