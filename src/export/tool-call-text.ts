/** A native function call as the trajectory records it: appended to the response as `<tool_call>{json}</tool_call>`. */
export interface RecordedToolCall {
  name: string;
  arguments: Record<string, unknown>;
}

const OPEN = "<tool_call>";
const CLOSE = "</tool_call>";

/**
 * Splits a recorded response into the model's text and the function calls the agent appended to it (one
 * `\n<tool_call>{"name", "arguments"}</tool_call>` per call, as the agent loop writes them). A response without
 * such a suffix is all text.
 */
export function splitToolCalls(response: string): { text: string; calls: RecordedToolCall[] } {
  const calls: RecordedToolCall[] = [];
  let text = response;
  while (text.endsWith(CLOSE)) {
    const start = text.lastIndexOf(OPEN);
    if (start < 0) break;
    const call = parseCall(text.slice(start + OPEN.length, text.length - CLOSE.length));
    if (!call) break;
    calls.unshift(call);
    text = text.slice(0, start).replace(/\n$/, "");
  }
  return { text, calls };
}

function parseCall(json: string): RecordedToolCall | undefined {
  try {
    const value = JSON.parse(json) as { name?: unknown; arguments?: unknown };
    const args = value.arguments;
    if (typeof value.name !== "string" || typeof args !== "object" || args === null || Array.isArray(args))
      return undefined;
    return { name: value.name, arguments: args as Record<string, unknown> };
  } catch {
    return undefined;
  }
}
