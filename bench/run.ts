// `npm run bench`: every benchmark of the project, each printed as a table.
import { benchBatch } from "./batch.bench.js";
import { benchDocker } from "./docker.bench.js";
import { benchEnv, printTable } from "./env.bench.js";
import { benchEvaluation } from "./evaluation.bench.js";
import { benchReport } from "./report.bench.js";
import { benchServe } from "./serve.bench.js";
import { benchView } from "./view.bench.js";

const only = process.argv.slice(2);
const suites: Array<[string, () => Promise<Array<{ name: string; value: string }>>]> = [
  ["environment", () => benchEnv()],
  ["report", benchReport],
  ["evaluation", () => benchEvaluation()],
  ["batch", () => benchBatch()],
  ["serve", () => benchServe()],
  ["view", () => benchView()],
  ["docker", () => benchDocker()],
];
const unknown = only.filter((name) => !suites.some(([known]) => known === name));
if (unknown.length > 0) {
  console.error(
    `npm run bench: unknown benchmark ${unknown.join(", ")}; known: ${suites.map(([name]) => name).join(", ")}`,
  );
  process.exit(2);
}
for (const [name, run] of suites) {
  if (only.length > 0 && !only.includes(name)) continue;
  printTable(name, await run());
}
