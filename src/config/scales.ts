/** The sizes a task can be run at: `small` (the top-level fields: CPU, minutes, offline) and `full` (the original's data). */
export const SCALES = ["small", "full"] as const;
export type Scale = (typeof SCALES)[number];
