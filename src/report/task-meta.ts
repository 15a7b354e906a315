import type { Direction } from "../metrics/types.js";

/** What the report needs to know about a task: how to name it and which metric decides, in which direction. */
export interface TaskMeta {
  id: string;
  /** Row label in tables and figures (the original's tables use short names such as "House Price"). */
  displayName: string;
  /** The metric whose value ranks attempts, runs and models. */
  priorityMetric: string;
  direction: Direction;
}
