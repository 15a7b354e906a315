/** The model's answer had no usable action; the message is shown to the model on a re-query. */
export class FormatError extends Error {
  override name = "FormatError";
}

/** Thought (everything outside the command block) and action (the block's text) of one response. */
export interface ParsedResponse {
  thought: string;
  action: string;
}

export type OutputParser = (response: string) => ParsedResponse;

const FENCE = /^```(\S*)\s*$/;

/**
 * The last outermost fenced block is the action (its text keeps the trailing newline); the thought is what
 * stands before and after it. A bare fence closes an open block, a tagged fence always opens one.
 */
export function thoughtActionParser(response: string): ParsedResponse {
  const lines = response.split("\n");
  const offsets: number[] = [];
  let pos = 0;
  for (const line of lines) {
    offsets.push(pos);
    pos += line.length + 1;
  }
  const open: number[] = [];
  let block: [number, number] | undefined;
  lines.forEach((line, i) => {
    const m = FENCE.exec(line);
    if (!m) return;
    if (m[1] === "" && open.length > 0) {
      const start = open.pop()!;
      if (open.length === 0) block = [start, i];
    } else {
      open.push(i);
    }
  });
  if (!block) throw new FormatError("No command block found in your response.");
  const [start, end] = block;
  const body = lines.slice(start + 1, end);
  const action = body.length > 0 ? `${body.join("\n")}\n` : "";
  const afterEnd = end + 1 < lines.length ? response.slice(offsets[end + 1]) : "";
  return { thought: response.slice(0, offsets[start]) + afterEnd, action };
}

/** Like thoughtActionParser, but more than one fenced block anywhere in the response is a format error. */
export function mlgymThoughtActionParser(response: string): ParsedResponse {
  const blocks = response.match(/```[\s\S]*?```/g) ?? [];
  if (blocks.length > 1) throw new FormatError("Your response has more than one command block.");
  return thoughtActionParser(response);
}

/** The command between the last `<command>` and `</command>`; the rest is the thought. */
export function xmlThoughtActionParser(response: string): ParsedResponse {
  const start = response.lastIndexOf("<command>");
  const end = response.lastIndexOf("</command>");
  if (start < 0 || end < start) throw new FormatError("No <command>...</command> found in your response.");
  return {
    thought: (response.slice(0, start) + response.slice(end + "</command>".length)).trim(),
    action: response.slice(start + "<command>".length, end).trim(),
  };
}

/** Output parsers by the original's class names. */
export const outputParsers: Record<string, OutputParser> = {
  MLGymThoughtActionParser: mlgymThoughtActionParser,
  ThoughtActionParser: thoughtActionParser,
  XMLThoughtActionParser: xmlThoughtActionParser,
  Identity: (response) => ({ thought: response, action: response }),
};
