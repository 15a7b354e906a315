import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** Folder of the tiny fixture tasks used by the tests. */
export const FIXTURE_TASKS = join(fileURLToPath(new URL(".", import.meta.url)), "..", "fixtures", "tasks");

/** A shell command that writes tinyCsv's perfect submission (label = x > 0.5, accuracy 1) in the workspace. */
export const TINY_CSV_SUBMIT_GOOD = `python -c "
import csv
rows = list(csv.DictReader(open('data/test.csv')))
open('submission.csv', 'w').write('id,label\\n' + ''.join(f\\"{r['id']},{int(float(r['x']) > 0.5)}\\n\\" for r in rows))
"`;
