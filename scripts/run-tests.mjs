#!/usr/bin/env node
// Runs every *.test.ts under src/ and test/ with node's test runner (Node 20 has no glob support for --test).
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

function collect(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith(".test.ts")) out.push(path);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = [...collect("src", []), ...collect("test", [])]
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error("run-tests: no test files matched");
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", "--test-concurrency=2", "--test-reporter=spec", ...files],
  { stdio: "inherit" },
);
let status = result.status ?? 1;

// No container may outlive the suite (the docker and podman sandboxes label theirs): on a whole run, any left is a
// failure, listed, then removed so that the next run starts clean.
if (filters.length === 0) {
  for (const engine of ["docker", "podman"]) {
    const ps = spawnSync(engine, ["ps", "-a", "--filter", "label=mlgym.episode", "--format", "{{.Names}}"], {
      encoding: "utf8",
      timeout: 30_000,
    });
    if (ps.status !== 0) continue; // no such engine, or none answers
    const left = ps.stdout.split("\n").filter(Boolean);
    if (left.length === 0) continue;
    console.error(
      `run-tests: ${left.length} ${engine} container(s) left behind by the suite: ${left.join(", ")}`,
    );
    spawnSync(engine, ["rm", "-f", ...left], { stdio: "ignore", timeout: 60_000 });
    status = 1;
  }
}
process.exit(status);
