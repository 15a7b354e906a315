import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Queue } from "bullmq";
import { RedisLedger } from "../../src/batch/ledger.js";
import { buildPlan } from "../../src/batch/plan.js";
import {
  EPISODE_QUEUE,
  type EpisodeJobData,
  enqueueBatch,
  jobIdOf,
  runQueuedBatch,
  startWorker,
  waitForBatch,
} from "../../src/batch/queue.js";
import type { BatchEvent, BatchPlan, EpisodeOutcome, EpisodeSpec } from "../../src/batch/types.js";
import { episodeSpec } from "../helpers/batch.js";
import { mlgymProcess } from "../helpers/cli.js";
import { FIXTURE_TASKS } from "../helpers/fixtures.js";
import { redisSkipReason, startRedis, type TestRedis } from "../helpers/redis.js";

const fenced = (cmd: string) => `DISCUSSION\nnext\n\`\`\`\n${cmd}\n\`\`\``;

/** A plan of `runs` episodes of the fixture task `tinyCsv`, played by a scripted model with these commands. */
function tinyPlan(runs: number, commands: string[]): BatchPlan {
  const dir = mkdtempSync(join(tmpdir(), "mlgym-dist-"));
  const script = join(dir, "agent.json");
  writeFileSync(script, JSON.stringify(commands.map(fenced)));
  return buildPlan(
    {
      tasks: ["tinyCsv"],
      models: [`scripted:${script}`],
      runs,
      tasks_dirs: [FIXTURE_TASKS],
      sandbox: "local",
      max_steps: 10,
      retry_delay_ms: 200,
    },
    { output: join(dir, "runs") },
  );
}

/** Run folders (results), not the hidden attempt folders. */
function resultFolders(output: string): string[] {
  return existsSync(output) ? readdirSync(output).filter((n) => !n.startsWith(".")) : [];
}

function assertEveryEpisodeOnce(plan: BatchPlan): void {
  assert.deepEqual(resultFolders(plan.output).sort(), plan.episodes.map((e) => e.folder).sort());
  for (const e of plan.episodes) {
    const args = JSON.parse(readFileSync(join(plan.output, e.folder, "args.json"), "utf8")) as {
      episode_key?: string;
    };
    assert.equal(args.episode_key, e.key, e.folder);
    assert.ok(existsSync(join(plan.output, e.folder, "results.json")), `${e.folder} has its results`);
  }
}

/** `mlgym worker` as a child process whose output can be waited on. */
function workerProcess(url: string, extra: string[] = []) {
  const worker = mlgymProcess(["worker", "--queue", url, "--lock-duration", "3000", ...extra]);
  const waitFor = async (pattern: RegExp, timeoutMs = 60_000): Promise<RegExpExecArray> =>
    (await worker.waitFor(pattern, { stream: "stdout", timeoutMs }))!;
  /** Folders this worker took, in order. */
  const taken = () => [...worker.out().stdout.matchAll(/^mlgym worker: taken (\S+)/gm)].map((m) => m[1]!);
  return { ...worker, waitFor, taken };
}

type WorkerProcess = ReturnType<typeof workerProcess>;

async function stopAll(workers: WorkerProcess[]): Promise<void> {
  for (const w of workers) if (w.child.exitCode === null) w.child.kill("SIGKILL");
  await Promise.all(workers.map((w) => w.exited));
}

async function jobOf(url: string, plan: BatchPlan, spec: EpisodeSpec) {
  const queue = new Queue<EpisodeJobData>(EPISODE_QUEUE, { connection: { url } });
  try {
    const job = await queue.getJob(jobIdOf(plan.id, spec.key));
    assert.ok(job, `job of ${spec.folder}`);
    return {
      attemptsMade: job.attemptsMade,
      attemptsStarted: job.attemptsStarted,
      state: await job.getState(),
    };
  } finally {
    await queue.close();
  }
}

/** A plan of fake episodes for the queue's own mechanics (no sandbox, no model). */
function fakePlan(n: number, retries: number): BatchPlan {
  const output = join(mkdtempSync(join(tmpdir(), "mlgym-fake-")), "runs");
  const episodes = Array.from({ length: n }, (_, i) =>
    episodeSpec(i, {
      model: "scripted:x",
      task: "task",
      key: `k${i}`.padEnd(32, "0"),
      folder: `fake__task__run_${i}`,
    }),
  );
  return {
    id: `fake${n}${retries}${Date.now().toString(16)}`,
    output,
    episodes,
    concurrency: 2,
    perModelConcurrency: {},
    gpus: [],
    retries,
    retryDelayMs: 100,
  };
}

const skip = redisSkipReason();

describe("distributed batches on BullMQ", { skip }, () => {
  let redis: TestRedis;
  before(async () => {
    redis = await startRedis();
  });
  after(() => redis.stop());

  test("enqueuing the same plan twice adds no job twice; a failed job is requeued, a completed one kept", async () => {
    const plan = fakePlan(3, 0);
    assert.deepEqual(await enqueueBatch(plan, redis.url), { added: 3, requeued: 0, kept: 0 });
    assert.deepEqual(await enqueueBatch(plan, redis.url), { added: 0, requeued: 0, kept: 3 });
    const queue = new Queue(EPISODE_QUEUE, { connection: { url: redis.url } });
    const counts = await queue.getJobCounts("waiting", "active", "delayed", "completed", "failed");
    assert.equal(
      Object.values(counts).reduce((a, b) => a + b, 0),
      3,
    );
    // Run them: the first fails (an error, not retried), the others complete.
    const runner = async (spec: EpisodeSpec): Promise<EpisodeOutcome> =>
      spec.runIndex === 0
        ? { key: spec.key, folder: spec.folder, status: "error", error: "bad task" }
        : { key: spec.key, folder: spec.folder, status: "skipped" };
    const worker = await startWorker({ redisUrl: redis.url, runner, concurrency: 3 });
    const result = await waitForBatch(plan, redis.url, { pollMs: 200 });
    assert.deepEqual(
      [...result.outcomes.values()].map((o) => o.status),
      ["error", "skipped", "skipped"],
    );
    await worker.close();
    // Enqueued again (a restarted batch): the failed one runs again; the completed ones (their folders are
    // absent here, "skipped" by the fake runner) run again too, as their results are not on disk.
    assert.deepEqual(await enqueueBatch(plan, redis.url), { added: 0, requeued: 3, kept: 0 });
    await queue.obliterate({ force: true });
    await queue.close();
  });

  test("infrastructure failures are retried with backoff, errors fail at once; a restarted coordinator re-attaches", async () => {
    const plan = fakePlan(4, 1);
    const runs = new Map<string, number>();
    const runner = async (spec: EpisodeSpec): Promise<EpisodeOutcome> => {
      const n = (runs.get(spec.key) ?? 0) + 1;
      runs.set(spec.key, n);
      const base = { key: spec.key, folder: spec.folder };
      const infrastructure: EpisodeOutcome = {
        ...base,
        status: "infrastructure",
        infrastructureError: { kind: "api_unreachable", message: "connection refused", step: 2 },
        costUsd: 0.01,
      };
      switch (spec.runIndex) {
        case 0:
          return { ...base, status: "completed", exitStatus: "submitted", bestScore: 0.9, steps: 3 };
        case 1:
          return n === 1 ? infrastructure : { ...base, status: "completed", exitStatus: "submitted" };
        case 2:
          return { ...base, status: "error", error: "task file broken" };
        default:
          return infrastructure;
      }
    };
    const lines: string[] = [];
    const worker = await startWorker({
      redisUrl: redis.url,
      runner,
      concurrency: 2,
      log: (l) => lines.push(l),
    });
    const events: BatchEvent[] = [];
    const result = await runQueuedBatch(plan, redis.url, { pollMs: 300, onEvent: (e) => events.push(e) });
    await worker.close();
    const [e0, e1, e2, e3] = plan.episodes.map((e) => e.key);
    assert.deepEqual(Object.fromEntries(runs), { [e0!]: 1, [e1!]: 2, [e2!]: 1, [e3!]: 2 });
    const status = (key: string) => result.outcomes.get(key)?.status;
    assert.deepEqual([e0!, e1!, e2!, e3!].map(status), ["completed", "completed", "error", "infrastructure"]);
    assert.equal(result.outcomes.get(e3!)?.infrastructureError?.kind, "api_unreachable");
    assert.equal(result.outcomes.get(e1!)?.attempts, 2);
    const retries = events.filter((e) => e.kind === "retry");
    assert.deepEqual(retries.map((e) => e.spec.runIndex).sort(), [1, 3]);
    for (const r of retries) {
      assert.equal(r.attempt, 2);
      assert.match(r.reason, /api_unreachable: connection refused/);
    }
    const failed = events.filter((e) => e.kind === "failed");
    assert.deepEqual(failed.map((e) => e.spec.runIndex).sort(), [2, 3]);
    assert.ok(events.some((e) => e.kind === "started" && e.worker === worker.name));
    assert.deepEqual(events[0], { kind: "planned", total: 4, complete: 0 });
    assert.ok(
      lines.some((l) => /^infrastructure failure in fake__task__run_1 .*retried later/.test(l)),
      lines.join("\n"),
    );

    // The coordinator started again on the finished batch: everything is read back from the queue.
    const again: BatchEvent[] = [];
    const reread = await waitForBatch(plan, redis.url, { onEvent: (e) => again.push(e) });
    assert.deepEqual(again[0], { kind: "planned", total: 4, complete: 4 });
    assert.deepEqual(
      [e0!, e1!, e2!, e3!].map((k) => reread.outcomes.get(k)?.status),
      ["completed", "completed", "error", "infrastructure"],
    );
    assert.equal(reread.outcomes.get(e0!)?.bestScore, 0.9);
  });

  test("a spent batch budget: workers start no episode, the coordinator reports them not started", async () => {
    const plan = { ...fakePlan(2, 0), budgetUsd: 0.5 };
    const ledger = await RedisLedger.create(redis.url, plan.id, plan.budgetUsd);
    assert.equal(await ledger.reserve(1), undefined, "a call over the budget is refused");
    await ledger.close();
    const runs: string[] = [];
    const worker = await startWorker({
      redisUrl: redis.url,
      runner: async (spec) => {
        runs.push(spec.key);
        return { key: spec.key, folder: spec.folder, status: "completed" };
      },
    });
    const events: BatchEvent[] = [];
    const result = await runQueuedBatch(plan, redis.url, { pollMs: 200, onEvent: (e) => events.push(e) });
    await worker.close();
    assert.deepEqual(runs, []);
    assert.equal(result.budgetExhausted, true);
    assert.deepEqual(
      result.notStarted.map((s) => s.key),
      plan.episodes.map((s) => s.key),
    );
    assert.equal(result.outcomes.size, 0);
    assert.ok(events.some((e) => e.kind === "budget" && e.state.exhausted && e.state.limitUsd === 0.5));
  });

  test("two worker processes run a batch of 6 episodes, each exactly once", async () => {
    const plan = tinyPlan(6, ["python baseline.py", "submit"]);
    const workers = [workerProcess(redis.url), workerProcess(redis.url)];
    try {
      await Promise.all(workers.map((w) => w.waitFor(/takes episodes from/)));
      const result = await runQueuedBatch(plan, redis.url, { pollMs: 500 });
      assert.deepEqual(
        [...result.outcomes.values()].map((o) => [o.status, o.exitStatus, o.bestScore]),
        plan.episodes.map(() => ["completed", "submitted", 0.6]),
      );
      const taken = workers.flatMap((w) => w.taken());
      assert.deepEqual(taken.sort(), plan.episodes.map((e) => e.folder).sort(), "each episode taken once");
      assert.ok(
        workers.every((w) => w.taken().length > 0),
        "both workers ran episodes",
      );
      assertEveryEpisodeOnce(plan);
      assert.deepEqual(readdirSync(join(plan.output, ".partial")), [], "no attempt left half-written");
    } finally {
      await stopAll(workers);
    }
  });

  test("a worker killed with SIGKILL mid-episode: the episode runs again on another worker, no duplicate, nothing lost", async () => {
    const plan = tinyPlan(3, ["sleep 4", "python baseline.py", "submit"]);
    const doomed = workerProcess(redis.url);
    const survivor = workerProcess(redis.url, ["--concurrency", "2"]);
    try {
      await Promise.all([doomed, survivor].map((w) => w.waitFor(/takes episodes from/)));
      const events: BatchEvent[] = [];
      const batch = runQueuedBatch(plan, redis.url, { pollMs: 500, onEvent: (e) => events.push(e) });
      const [, folder] = await doomed.waitFor(/^mlgym worker: taken (\S+)/m);
      await new Promise((resolve) => setTimeout(resolve, 1500)); // inside its `sleep 4`
      doomed.child.kill("SIGKILL");
      await doomed.exited;
      const result = await batch;
      assert.deepEqual(
        [...result.outcomes.values()].map((o) => o.status),
        ["completed", "completed", "completed"],
      );
      assert.ok(
        survivor.taken().includes(folder!),
        `the survivor ran ${folder} again:\n${survivor.out().stdout}`,
      );
      assert.ok(
        events.some((e) => e.kind === "retry" && e.spec.folder === folder && /worker lost/.test(e.reason)),
        "the coordinator saw the episode's worker lost",
      );
      const spec = plan.episodes.find((e) => e.folder === folder)!;
      const job = await jobOf(redis.url, plan, spec);
      assert.equal(job.state, "completed");
      assert.equal(job.attemptsStarted, 2);
      assertEveryEpisodeOnce(plan);
      // The killed attempt's folder stays hidden in .partial: never counted as a result.
      assert.equal(readdirSync(join(plan.output, ".partial")).filter((n) => n.startsWith(folder!)).length, 1);
    } finally {
      await stopAll([doomed, survivor]);
    }
  });

  test("SIGTERM: the worker exits 0 promptly, its running episodes go back to the queue and another worker completes them", async () => {
    const plan = tinyPlan(2, ["sleep 6", "python baseline.py", "submit"]);
    const first = workerProcess(redis.url, ["--concurrency", "2"]);
    let second: WorkerProcess | undefined;
    try {
      await first.waitFor(/takes episodes from/);
      const events: BatchEvent[] = [];
      const batch = runQueuedBatch(plan, redis.url, { pollMs: 500, onEvent: (e) => events.push(e) });
      await first.waitFor(/taken [\s\S]*taken /);
      await new Promise((resolve) => setTimeout(resolve, 1500)); // inside the `sleep 6`
      const stopped = Date.now();
      first.child.kill("SIGTERM");
      assert.equal(await first.exited, 0, first.out().stderr);
      assert.ok(Date.now() - stopped < 15_000, "the running episodes were interrupted, not waited for");
      assert.match(first.out().stdout, /SIGTERM: stopping; releasing 2 running episode/);
      assert.equal((first.out().stdout.match(/^mlgym worker: released /gm) ?? []).length, 2);
      assert.deepEqual(resultFolders(plan.output), [], "nothing half-done counts as a result");
      for (const spec of plan.episodes) {
        const job = await jobOf(redis.url, plan, spec);
        assert.equal(job.state, "waiting", "released, not failed");
        assert.equal(job.attemptsMade, 0, "a release uses no attempt");
      }
      second = workerProcess(redis.url, ["--concurrency", "2"]);
      const result = await batch;
      assert.deepEqual(
        [...result.outcomes.values()].map((o) => [o.status, o.exitStatus]),
        [
          ["completed", "submitted"],
          ["completed", "submitted"],
        ],
      );
      assert.deepEqual(second.taken().sort(), plan.episodes.map((e) => e.folder).sort());
      assert.ok(events.some((e) => e.kind === "retry" && /released/.test(e.reason)));
      assertEveryEpisodeOnce(plan);
    } finally {
      await stopAll([first, ...(second ? [second] : [])]);
    }
  });

  test("mlgym worker: an unreachable Redis is a clear error within seconds, exit code 3", async () => {
    const started = Date.now();
    const w = workerProcess("redis://user:secret@127.0.0.1:1");
    const code = await w.exited;
    assert.equal(code, 3);
    assert.match(w.out().stderr, /cannot reach Redis at redis:\/\/user:\*\*\*@127\.0\.0\.1:1/);
    assert.doesNotMatch(w.out().stderr, /secret/);
    assert.ok(Date.now() - started < 15_000);
  });
});
