import type { MLGymEnv } from "./env.js";

/**
 * Checks that an environment keeps the Gym contract (like Gymnasium's env_checker): reset returns a text
 * observation and info; step returns text, a finite reward and boolean flags; the step counter advances;
 * step after the end is refused; reset starts over. Returns the problems found (empty when it conforms).
 * Runs a few cheap actions: use a fresh environment.
 */
export async function checkEnv(env: MLGymEnv): Promise<string[]> {
  const problems: string[] = [];
  const expect = (ok: boolean, what: string) => {
    if (!ok) problems.push(what);
  };
  const first = await env.reset({ seed: 0 });
  expect(
    typeof first.observation === "string" && first.observation.length > 0,
    "reset() must return a non-empty text observation",
  );
  expect(typeof first.info === "object" && first.info !== null, "reset() must return an info object");
  expect(env.currentStep === 0, "reset() must set the step counter to 0");
  const step = await env.step("echo checkenv");
  expect(typeof step.observation === "string", "step() must return a text observation");
  expect(step.observation.includes("checkenv"), "step() must return the command's output");
  expect(
    typeof step.reward === "number" && Number.isFinite(step.reward),
    "step() must return a finite reward",
  );
  expect(
    typeof step.terminated === "boolean" && typeof step.truncated === "boolean",
    "terminated/truncated must be booleans",
  );
  expect(!step.terminated && !step.truncated, "an ordinary command must not end the episode");
  expect(step.info.step === 1 && env.currentStep === 1, "step() must advance the step counter by one");
  const state = await env.step("export CHECKENV_VAR=kept && cd /");
  const persisted = await env.step("echo $CHECKENV_VAR $PWD");
  expect(
    state.info.exitCode === 0 && persisted.observation === "kept /",
    "shell state must persist between steps",
  );
  const end = await env.step("exit_forfeit");
  expect(
    end.terminated && end.info.exitStatus === "exit_forfeit",
    "exit_forfeit must terminate with its exit status",
  );
  let refused = false;
  try {
    await env.step("echo too-late");
  } catch {
    refused = true;
  }
  expect(refused, "step() after the end of an episode must throw");
  const again = await env.reset({ seed: 1 });
  expect(
    env.currentStep === 0 && again.observation === first.observation,
    "reset() must start a new episode",
  );
  const fresh = await env.step(`echo "\${CHECKENV_VAR:-fresh}"`);
  expect(fresh.observation === "fresh", "reset() must give a fresh shell");
  return problems;
}
