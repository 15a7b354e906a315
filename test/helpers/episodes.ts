import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runAgent } from "../../src/agent/agent.js";
import { loadAgentConfig } from "../../src/agent/config.js";
import type { MLGymEnv } from "../../src/env/env.js";
import { ScriptedModel } from "../../src/models/scripted.js";

/** A model response that runs one command. */
export const say = (command: string) => `DISCUSSION\nNext I run this.\n\`\`\`\n${command}\n\`\`\``;

/**
 * Plays `script` in `env` with the default agent config and checks that the episode ended `submitted`, with a
 * score of `metric` and one trajectory step per response, then runs `check` on the environment; closes it.
 */
export async function scriptedEpisodeSubmits(
  env: MLGymEnv,
  id: string,
  script: readonly string[],
  metric: string,
  check?: (env: MLGymEnv) => void,
): Promise<void> {
  const outputDir = mkdtempSync(join(tmpdir(), `mlgym-episode-${id}-`));
  try {
    const result = await runAgent({
      env,
      model: new ScriptedModel([...script], id),
      config: loadAgentConfig(),
      outputDir,
    });
    assert.equal(result.exitStatus, "submitted");
    const score = result.scores.at(-1) as Record<string, number> | undefined;
    assert.equal(typeof score?.[metric], "number", JSON.stringify(result.scores));
    const traj = JSON.parse(readFileSync(result.trajectoryFile, "utf8")) as { trajectory: unknown[] };
    assert.equal(traj.trajectory.length, script.length);
    check?.(env);
  } finally {
    await env.close();
    rmSync(outputDir, { recursive: true, force: true });
  }
}
