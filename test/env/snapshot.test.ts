import assert from "node:assert/strict";
import { existsSync, lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { MLGymEnv } from "../../src/env/env.js";
import { make } from "../../src/env/make.js";
import { SnapshotLimitError, SnapshotNotFoundError, SnapshotStore } from "../../src/env/snapshot.js";
import { FIXTURE_TASKS, TINY_CSV_SUBMIT_GOOD as SUBMIT_GOOD } from "../helpers/fixtures.js";
import { backendsUnderTest } from "../helpers/sandboxes.js";

const tasksDirs = [FIXTURE_TASKS];

for (const { name, skip } of backendsUnderTest()) {
  describe(`snapshots and forks on ${name}`, { skip }, () => {
    let store: SnapshotStore;
    let parent: MLGymEnv;
    const forks: MLGymEnv[] = [];
    let snapshotId: string;

    before(async () => {
      store = new SnapshotStore({ maxSnapshots: 3 });
      parent = make("mlgym/tinyCsv", { tasksDirs, sandbox: name, maxSteps: 30, snapshots: store });
      await parent.reset({ seed: 7 });
      // State of every kind a snapshot must carry: files, the working directory, variables (exported, arrays,
      // values with newlines and quotes), functions, aliases, the file viewer's open file, and an evaluation.
      for (const action of [
        "mkdir -p notes && echo first > notes/a.txt && echo 'keep me' > root.txt",
        SUBMIT_GOOD,
        "validate",
        "open evaluate.py",
        "export MY_EXPORTED='a b' && MY_ARRAY=(x 'y z') && MULTI=$'line1\\nline \"2\"'",
        "greet() { echo \"hello $1\"; } && alias ll='ls -1'",
        "cd notes",
      ]) {
        const r = await parent.step(action);
        assert.ok(!r.terminated && !r.truncated, `${action}: ${r.observation}`);
      }
      snapshotId = await parent.snapshot();
    });
    after(async () => {
      await parent.close();
      for (const f of forks) await f.close();
      store.close();
    });

    test("a fork continues from the snapshot: files, shell state, open file, step count, scores and seed", async () => {
      const { env, info } = await parent.fork(snapshotId);
      forks.push(env);
      assert.deepEqual(info.fromSnapshot, { id: snapshotId, step: 7, shellRestored: true });
      assert.equal(info.seed, 7);
      assert.equal(env.currentStep, 7);
      assert.deepEqual(env.evaluationHistory, parent.evaluationHistory);
      assert.equal(env.evaluationHistory.length, 1);
      assert.equal((await env.step("pwd")).observation, `${info.workspace}/notes`);
      assert.equal((await env.step("cat a.txt ../root.txt")).observation, "first\nkeep me");
      assert.equal((await env.step("greet fork")).observation, "hello fork");
      assert.equal((await env.step("ll")).observation, "a.txt");
      assert.equal(
        (
          await env.step(
            `printf '%s|' "$MY_EXPORTED" "\${MY_ARRAY[1]}" "$MULTI"; env | grep -c '^MY_EXPORTED='`,
          )
        ).observation,
        'a b|y z|line1\nline "2"|1',
      );
      const state = await env.state();
      assert.equal(state.values.open_file, `${info.workspace}/evaluate.py`);
      const v = await env.step("cd .. && validate");
      assert.equal(v.info.metrics?.accuracy, 1);
      assert.equal(env.evaluationHistory.length, 2, "the fork's scores go on from the snapshot's");
      assert.equal(parent.evaluationHistory.length, 1, "the parent's scores are its own");
      assert.equal(v.info.step, 13);
    });

    test("edits after a fork do not leak between the parent and two sibling forks", async () => {
      const a = (await parent.fork(snapshotId)).env;
      const b = (await parent.fork(snapshotId)).env;
      forks.push(a, b);
      await parent.step("echo parent > a.txt && echo parent-only > p.txt && MARK=parent");
      await a.step("echo fork-a > a.txt && rm ../root.txt && MARK=a");
      await b.step("echo fork-b >> a.txt && greet() { echo changed; }");
      assert.equal(
        (await parent.step("cat a.txt p.txt ../root.txt; echo $MARK; greet x")).observation,
        "parent\nparent-only\nkeep me\nparent\nhello x",
      );
      assert.equal(
        (await a.step("cat a.txt; ls p.txt ../root.txt 2>&1 | wc -l; echo $MARK; greet x")).observation,
        "fork-a\n2\na\nhello x",
      );
      assert.equal(
        // biome-ignore lint/suspicious/noTemplateCurlyInString: shell text
        (await b.step("cat a.txt ../root.txt; ls p.txt 2>/dev/null; echo ${MARK:-unset}; greet x"))
          .observation,
        "first\nfork-b\nkeep me\nunset\nchanged",
      );
    });

    test("a fork starts from a snapshot whose parent is closed, and snapshots of forks fork again", async () => {
      const first = (await parent.fork(snapshotId)).env;
      forks.push(first);
      await first.step("echo deeper > deep.txt");
      const second = await first.snapshot();
      await first.close();
      const grandchild = (await parent.fork(second)).env;
      forks.push(grandchild);
      assert.equal((await grandchild.step("cat deep.txt a.txt")).observation, "deeper\nfirst");
      assert.equal(grandchild.currentStep, 9);
      assert.equal(await store.delete(second), true);
    });

    test("the snapshot store is out of the agent's reach", async () => {
      const r = await parent.step("find / -maxdepth 4 -name 'mlgym-snapshots-*' 2>/dev/null | wc -l");
      if (parent.sandbox.isolated) assert.equal(r.observation, "0");
      assert.ok(readdirSync(store.list()[0]!.homeCopy).includes("workspace"));
    });

    test("a planted pipe or link to a host file neither stalls a snapshot nor is followed on the host", async () => {
      await parent.step("mkfifo trap.fifo && ln -s /etc/shadow shadow.link && ln -s /proc/1/root root.link");
      const id = await parent.snapshot();
      const copy = join(store.get(id).homeCopy, "workspace", "notes");
      assert.ok(lstatSync(join(copy, "trap.fifo")).isFIFO());
      for (const link of ["shadow.link", "root.link"])
        assert.ok(lstatSync(join(copy, link)).isSymbolicLink(), link);
      await parent.step("rm trap.fifo shadow.link root.link");
      await store.delete(id);
    });

    test("unknown ids, full stores, ended episodes and other tasks' snapshots are clear errors", async () => {
      await assert.rejects(parent.fork("no-such-snapshot"), SnapshotNotFoundError);
      const ids = [];
      while (store.size < store.maxSnapshots) ids.push(await parent.snapshot());
      await assert.rejects(parent.snapshot(), SnapshotLimitError);
      for (const id of ids) await store.delete(id);
      const other = make("mlgym/tinyPython", { tasksDirs, sandbox: name, snapshots: store });
      try {
        await assert.rejects(other.reset({ fromSnapshot: snapshotId }), /is of task 'tinyCsv'/);
      } finally {
        await other.close();
      }
      const ended = (await parent.fork(snapshotId)).env;
      forks.push(ended);
      await ended.step("submit");
      await assert.rejects(ended.snapshot(), /the episode has ended/);
    });

    test("closing the store removes every copy", () => {
      const dirs = store.list().map((s) => s.homeCopy);
      assert.ok(dirs.length > 0 && dirs.every((d) => existsSync(d)));
      const extra = new SnapshotStore();
      extra.close();
      store.close();
      assert.ok(dirs.every((d) => !existsSync(d)));
    });
  });
}
