/** The task the demonstration agent plays when no model is configured (its own module: `mlgym --help` names it). */
export const DEMO_TASK = "battleOfSexes";
