import { dirname, isAbsolute, join } from "node:path";
import { ConfigError } from "../errors.js";
import { readTrajectory } from "../trajectory/read.js";
import type { AgentConfig } from "./config.js";
import type { HistoryEntry } from "./history.js";
import { renderTemplate } from "./template.js";

/**
 * Demonstration trajectories as history entries: every non-system entry (whatever agent recorded it), either as
 * separate messages (`put_demos_in_history`) or rendered into one user message with `demonstration_template`.
 */
export function loadDemonstrations(config: AgentConfig, agent: string): HistoryEntry[] {
  const out: HistoryEntry[] = [];
  for (const path of config.demonstrations) {
    const file = isAbsolute(path) ? path : join(dirname(config.file), path);
    let entries: HistoryEntry[];
    try {
      entries = readTrajectory(file)
        .history.filter((h) => h.role !== "system")
        .map((h) => ({
          role: h.role,
          content: h.content,
          agent,
          ...(typeof h.thought === "string" ? { thought: h.thought } : {}),
          ...(typeof h.action === "string" ? { action: h.action } : {}),
        }));
    } catch (cause) {
      throw new ConfigError(`cannot read demonstration trajectory: ${(cause as Error).message}`, {
        file: config.file,
        field: "demonstrations",
        cause,
      });
    }
    if (config.put_demos_in_history) {
      out.push(...entries.map((h) => ({ ...h, is_demo: true })));
    } else {
      const demonstration = entries.map((h) => h.content).join("\n");
      out.push({
        role: "user",
        content: renderTemplate(config.demonstration_template ?? "{demonstration}", { demonstration }),
        agent,
        is_demo: true,
      });
    }
  }
  return out;
}
