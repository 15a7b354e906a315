#!/usr/bin/env node
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const entry = fileURLToPath(new URL("../dist/cli/entry.js", import.meta.url));
if (!existsSync(entry)) {
  console.error(
    "mlgym: the build output is missing (dist/). Run `npm install` (or `npm run build`) in the project folder.",
  );
  process.exit(2);
}
await import(entry);
