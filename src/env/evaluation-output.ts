/**
 * What the agent sees of a failed evaluation. The rule, in full:
 * - a task without hidden files: the evaluation's whole output;
 * - a task with hidden files: only the lines the trusted evaluation script prints as its verdict (those starting
 *   with `Evaluation failed:`), and of those only lines that contain no line of a hidden file (of 6 or more
 *   characters); everything else (tracebacks, library warnings, anything the script printed from the answers) is
 *   replaced by one note saying how many lines were withheld;
 * - in both cases, then, the output of the agent's own code when the evaluation called it: that process never
 *   sees the hidden files.
 */
export function failureOutput(options: {
  evaluationOutput: string;
  /** Lines of the task's hidden files; undefined when the task has none. */
  hiddenLines?: HiddenLines;
  /** Standard error of the process that ran the agent's code, if one ran. */
  agentOutput?: string;
}): string {
  const parts: string[] = [];
  const text = options.evaluationOutput.trim();
  if (!options.hiddenLines) {
    if (text) parts.push(text);
  } else {
    const lines = text ? text.split("\n") : [];
    const kept = lines
      .filter((line) => line.startsWith(VERDICT) && !options.hiddenLines!.leaks(line))
      .slice(0, MAX_VERDICT_LINES)
      .map((line) => (line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)} [...]` : line));
    parts.push(...kept);
    const withheld = lines.length - kept.length;
    if (withheld > 0)
      parts.push(
        `[${withheld} further line${withheld === 1 ? "" : "s"} of the evaluation's output withheld: this task has hidden files]`,
      );
  }
  const agent = options.agentOutput?.trim();
  if (agent) parts.push(`Output of your code during the evaluation:\n${tail(agent, MAX_AGENT_OUTPUT)}`);
  return parts.join("\n");
}

const VERDICT = "Evaluation failed:";
const MAX_VERDICT_LINES = 20;
const MAX_LINE = 2000;
const MAX_AGENT_OUTPUT = 8000;
const MIN_HIDDEN_LINE = 6;

function tail(text: string, max: number): string {
  return text.length <= max ? text : `[...]\n${text.slice(text.length - max)}`;
}

/**
 * The lines of a task's hidden files, to recognise them in output: lines of 6 or more characters, except a CSV
 * file's header and lines that also appear in the task's public files (they are no secret).
 */
export class HiddenLines {
  private readonly lines: string[];
  constructor(
    hidden: Array<{ name: string; content: string | Buffer }>,
    publicContents: Array<string | Buffer> = [],
  ) {
    const known = new Set(publicContents.flatMap((c) => linesOf(c)));
    const set = new Set<string>();
    for (const { name, content } of hidden) {
      const lines = linesOf(content);
      for (const [i, line] of lines.entries()) {
        if (i === 0 && name.endsWith(".csv")) continue;
        if (line.length >= MIN_HIDDEN_LINE && !known.has(line)) set.add(line);
      }
    }
    this.lines = [...set];
  }

  /** Whether `text` contains a whole line of a hidden file. */
  leaks(text: string): boolean {
    return this.lines.some((line) => text.includes(line));
  }
}

function linesOf(content: string | Buffer): string[] {
  const text = typeof content === "string" ? content : content.toString("utf8");
  return text.split(/\r?\n/).map((line) => line.trim());
}
