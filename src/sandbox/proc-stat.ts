import { readFileSync } from "node:fs";

/** What /proc/<pid>/stat says of a process. */
export interface ProcStat {
  /** The command name, between the parentheses (it may hold spaces and parentheses itself). */
  comm: string;
  /** The fields after the name: `fields[0]` is field 3 of proc(5) (the state), `fields[n]` is field n + 3. */
  fields: string[];
}

/** Reads /proc/<pid>/stat; undefined once the process is gone (or was never there). */
export function readProcStat(pid: number | string): ProcStat | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "latin1");
  } catch {
    return undefined;
  }
  const close = stat.lastIndexOf(")");
  return { comm: stat.slice(stat.indexOf("(") + 1, close), fields: stat.slice(close + 2).split(" ") };
}
