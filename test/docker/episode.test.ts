// Whole episodes in a container (docker, podman): a scripted agent on real tasks ends submitted with a score, and
// every observation of the same actions is identical under bwrap and in the container.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { make } from "../../src/env/make.js";
import { listContainers } from "../../src/sandbox/container-engine.js";
import { say, scriptedEpisodeSubmits } from "../helpers/episodes.js";
import { backendsUnderTest, containerBackends } from "../helpers/sandboxes.js";

const bwrap = backendsUnderTest().find((b) => b.name === "bwrap")!;

/** Containers this test process made that still exist. */
async function mine(engine: string): Promise<string[]> {
  return (await listContainers(engine)).filter((c) => c.pid === process.pid).map((c) => c.name);
}

for (const engine of containerBackends())
  describe(`episodes in a ${engine.name} container`, { skip: engine.skip }, () => {
    for (const [id, script, metric] of [
      // The evaluation calls the agent's strategy in a player container, over the relayed channel.
      ["battleOfSexes", [say("ls"), say("validate"), say("submit")], "Score"],
      ["regressionKaggleHousePrice", [say("python baseline.py"), say("validate"), say("submit")], "r2"],
    ] as const) {
      test(`a scripted episode on ${id} ends submitted with a score`, { timeout: 600_000 }, async () => {
        const env = make(id, { maxSteps: 10, sandbox: engine.name });
        await scriptedEpisodeSubmits(env, id, script, metric, (e) =>
          assert.equal(e.sandbox.backend, engine.name),
        );
        assert.deepEqual(await mine(engine.name), [], "containers left behind");
      });
    }

    test(`the same actions give the same observations under bwrap and ${engine.name}`, {
      skip: bwrap.skip,
      timeout: 300_000,
    }, async () => {
      const actions = [
        "ls",
        "pwd; echo $HOME; id -un; hostname",
        'open "strategy.py"',
        'search_file "def" strategy.py',
        "create notes.txt",
        "python -c 'import sys; print(sys.version_info[:2])'",
        "echo out; echo err >&2; false",
        "sleep 30",
        "validate",
      ];
      const observe = async (sandbox: string): Promise<string[]> => {
        const env = make("battleOfSexes", { maxSteps: 50, sandbox, shortTimeoutS: 2 });
        try {
          await env.reset({ seed: 7 });
          const out: string[] = [];
          for (const action of actions) out.push((await env.step(action)).observation);
          return out;
        } finally {
          await env.close();
        }
      };
      const [onBwrap, inContainer] = [await observe("bwrap"), await observe(engine.name)];
      for (let i = 0; i < actions.length; i++)
        assert.equal(inContainer[i], onBwrap[i], `action ${actions[i]}`);
      assert.match(inContainer.at(-1)!, /Evaluation Score/);
    });
  });
