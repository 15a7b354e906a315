import { readFileSync } from "node:fs";
import { z } from "zod";

const SCHEMA_FILE = new URL("../../src/export/schemas/atif-v1.6.schema.json", import.meta.url);
const schema = z.fromJSONSchema(JSON.parse(readFileSync(SCHEMA_FILE, "utf8")));

const AGENT_ONLY = ["model_name", "reasoning_effort", "reasoning_content", "tool_calls", "metrics"] as const;

interface StepLike {
  step_id: number;
  source: string;
  tool_calls?: Array<{ tool_call_id: string }> | null;
  observation?: { results: Array<{ source_call_id?: string | null }> } | null;
  timestamp?: string | null;
  [key: string]: unknown;
}

/**
 * What is wrong with an ATIF document: the vendored JSON schema's verdict, then the checks of Harbor's model
 * validators that a JSON schema cannot express (listed in the schema's `$comment`). Empty when it is valid.
 */
export function atifProblems(document: unknown): string[] {
  const parsed = schema.safeParse(document);
  if (!parsed.success)
    return parsed.error.issues.map((issue) => `${issue.path.map(String).join(".")}: ${issue.message}`);
  const problems: string[] = [];
  const steps = (document as { steps: StepLike[] }).steps;
  steps.forEach((step, i) => {
    if (step.step_id !== i + 1) problems.push(`steps[${i}].step_id: expected ${i + 1}, got ${step.step_id}`);
    const ids = new Set((step.tool_calls ?? []).map((c) => c.tool_call_id));
    for (const result of step.observation?.results ?? []) {
      if (result.source_call_id != null && !ids.has(result.source_call_id))
        problems.push(
          `steps[${i}]: source_call_id '${result.source_call_id}' is not a tool_call_id of the step`,
        );
    }
    if (step.source !== "agent")
      for (const field of AGENT_ONLY)
        if (step[field] != null) problems.push(`steps[${i}].${field}: only allowed on agent steps`);
    if (step.timestamp != null && Number.isNaN(Date.parse(step.timestamp)))
      problems.push(`steps[${i}].timestamp: not ISO 8601`);
  });
  return problems;
}
