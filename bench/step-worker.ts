// One environment in a process of its own, for the bench's "2 processes" row: resets, warms up, prints "ready",
// then on each line "go N" steps `true` N times and prints the wall time per step in ms; stdin's end closes it.
import { createInterface } from "node:readline";
import { make } from "../src/env/make.js";
import { FIXTURE_TASKS } from "../test/helpers/fixtures.js";

const env = make("tinyCsv", { tasksDirs: [FIXTURE_TASKS], sandbox: process.argv[2]!, maxSteps: 10_000_000 });
await env.reset();
for (let i = 0; i < 20; i++) await env.step("true");
console.log("ready");
for await (const line of createInterface({ input: process.stdin })) {
  const steps = Number(line.split(" ")[1]);
  const started = performance.now();
  for (let i = 0; i < steps; i++) await env.step("true");
  console.log(((performance.now() - started) / steps).toString());
}
await env.close();
