/** Programs whose runs are training or evaluation jobs and get the task's long timeout. */
const LONG_RUNNING =
  /^(python[0-9.]*|torchrun|accelerate|deepspeed|pytest|make|jupyter|papermill|uv|pip[0-9.]*)$/;
/** Shells that run a script file given as their argument. */
const SCRIPT_SHELLS = /^(bash|sh|zsh|dash)$/;
/** Prefix words that run the command after them. */
const WRAPPERS = new Set([
  "time",
  "nohup",
  "env",
  "sudo",
  "exec",
  "nice",
  "stdbuf",
  "timeout",
  "command",
  "xargs",
  "srun",
]);

/**
 * Splits a shell command into the words that start each simple command, skipping heredoc bodies,
 * quoted text, comments, variable assignments and wrapper words like `time` or `nohup`.
 */
export function commandWords(script: string): string[] {
  const words: string[] = [];
  const lines = script.split("\n");
  let heredocEnd: string | undefined;
  for (const line of lines) {
    if (heredocEnd !== undefined) {
      if (line.trim() === heredocEnd) heredocEnd = undefined;
      continue;
    }
    const heredoc = /<<-?\s*(['"]?)([A-Za-z_][A-Za-z0-9_]*)\1/.exec(line);
    const segments = splitSegments(line);
    for (const segment of segments) {
      const tokens = segment.trim().split(/\s+/).filter(Boolean);
      let i = 0;
      while (i < tokens.length) {
        const t = tokens[i]!;
        if (
          /^[A-Za-z_][A-Za-z0-9_]*=/.test(t) ||
          t === "!" ||
          t === "{" ||
          t === "(" ||
          /^(then|do|else|elif)$/.test(t)
        ) {
          i++;
          continue;
        }
        if (WRAPPERS.has(t)) {
          i++;
          // skip the wrapper's options and, for `timeout`, its duration
          while (i < tokens.length && (tokens[i]!.startsWith("-") || /^[0-9.]+[smhd]?$/.test(tokens[i]!)))
            i++;
          continue;
        }
        break;
      }
      const first = tokens[i];
      if (first === undefined || first.startsWith("#")) continue;
      const name = first.split("/").pop() ?? first;
      words.push(name);
      if (SCRIPT_SHELLS.test(name) && tokens[i + 1] && !tokens[i + 1]!.startsWith("-"))
        words.push("<script>");
      if (first.startsWith("./") || (first.includes("/") && /\.(sh|py)$/.test(first))) words.push("<script>");
    }
    if (heredoc) heredocEnd = heredoc[2];
  }
  return words;
}

/** Splits one line at unquoted `;`, `&&`, `||`, `|`, `&`, `$(` and backticks. */
function splitSegments(line: string): string[] {
  const segments: string[] = [];
  let current = "";
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === "\\" && quote === '"') current += line[++i] ?? "";
      current += quote ? c : "";
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
      continue;
    }
    if (c === "#" && (i === 0 || /\s/.test(line[i - 1]!))) break;
    if (c === ";" || c === "|" || c === "&" || c === "`" || c === "(" || c === ")") {
      if (c === "(" && line[i - 1] === "$") current = current.slice(0, -1);
      segments.push(current);
      current = "";
      continue;
    }
    current += c;
  }
  segments.push(current);
  return segments;
}

/**
 * Whether an action runs a training-like program (Python, torchrun, a script...) and so gets the long timeout.
 * Unlike a substring test, `cat my_python_notes.txt` or an edit whose text mentions python stays short.
 */
export function needsLongTimeout(action: string): boolean {
  return commandWords(action).some((w) => LONG_RUNNING.test(w) || w === "<script>");
}
