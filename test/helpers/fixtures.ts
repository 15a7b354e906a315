import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** Folder of the tiny fixture tasks used by the tests. */
export const FIXTURE_TASKS = join(fileURLToPath(new URL(".", import.meta.url)), "..", "fixtures", "tasks");
