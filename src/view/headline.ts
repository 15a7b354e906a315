import type { Table } from "../report/tables.js";
import type { RunIndex } from "./run-index.js";

/** The report's headline tables of a runs folder (AUP, best and last scores), or why there are none. */
export interface Headline {
  tables: Array<{ title: string; table: Table }>;
  note?: string;
}

/** Computes the headline tables once per version of the index (the report reads every run folder). */
export function headlineTables(index: RunIndex): () => Promise<Headline> {
  let cached: { version: number; value: Promise<Headline> } | undefined;
  return () => {
    if (cached?.version === index.version) return cached.value;
    const value = (async (): Promise<Headline> => {
      const [{ buildReport }, { aupTable, scoresTable }] = await Promise.all([
        import("../report/build-report.js"),
        import("../report/tables.js"),
      ]);
      try {
        const data = await buildReport(index.root);
        if (data.scores.tasks.length === 0) return { tables: [], note: "no runs of tasks the report knows" };
        const label = (id: string) => data.names.label(id);
        return {
          tables: [
            { title: "AUP", table: aupTable(data.scores, label) },
            { title: "Best scores", table: scoresTable(data.scores, "best", label) },
            { title: "Last scores", table: scoresTable(data.scores, "last", label) },
          ],
        };
      } catch (error) {
        return { tables: [], note: (error as Error).message };
      }
    })();
    cached = { version: index.version, value };
    return value;
  };
}
