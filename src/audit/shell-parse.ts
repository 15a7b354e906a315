/** A redirection of a simple command: `> file`, `>> file`, `< file`, `<<< text`, ... */
export interface Redirect {
  op: string;
  target: string;
}

/** One simple command of a shell line, with quotes removed from its words. */
export interface SimpleCommand {
  words: string[];
  redirects: Redirect[];
  /** The body of a here-document fed to it (`cat > f << 'EOF'` ... `EOF`). */
  heredoc?: string;
  /** The command as written, for evidence. */
  text: string;
}

const REDIRECT_OPS = /^(?:&>>|&>|<<<|<<-|<<|<>|<&|>>|>&|>\||<|>)/;
const BLANK = new Set([" ", "\t", "\r"]);
const SEPARATORS = new Set([";", "&", "|", "(", ")"]);

/** Returns the index just past the `)` that closes the `$(` starting at `start` (or the end of the text). */
function skipSubstitution(source: string, start: number): number {
  let depth = 0;
  for (let i = start; i < source.length; i++) {
    const c = source[i];
    if (c === "\\") i++;
    else if (c === "'") {
      const end = source.indexOf("'", i + 1);
      i = end < 0 ? source.length : end;
    } else if (c === "(") depth++;
    else if (c === ")") {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return source.length;
}

/**
 * Splits shell text into simple commands, tolerantly (it never throws): words with quotes removed, redirections,
 * here-document bodies, and the commands inside `$(...)` and backticks. Control flow (`if`, `for`, functions)
 * is not interpreted: its keywords come out as words, which is enough to see what files a line touches.
 */
export function parseShell(source: string): SimpleCommand[] {
  const commands: SimpleCommand[] = [];
  const inner: string[] = [];
  let start = 0;
  let words: string[] = [];
  let redirects: Redirect[] = [];
  let word: string | null = null;
  let pendingOp: string | null = null;
  let pendingHeredocs: Array<{ command: SimpleCommand; delimiter: string; stripTabs: boolean }> = [];
  let current: SimpleCommand = { words, redirects, text: "" };

  const endWord = () => {
    if (word === null) return;
    if (pendingOp === "<<" || pendingOp === "<<-") {
      pendingHeredocs.push({ command: current, delimiter: word, stripTabs: pendingOp === "<<-" });
    } else if (pendingOp !== null) {
      const fdOnly = (pendingOp === ">&" || pendingOp === "<&") && /^(?:\d+|-)$/.test(word);
      if (!fdOnly) redirects.push({ op: pendingOp === ">&" ? ">" : pendingOp, target: word });
    } else {
      words.push(word);
    }
    pendingOp = null;
    word = null;
  };
  const endCommand = (end: number) => {
    endWord();
    current.text = source.slice(start, end).trim();
    if (words.length > 0 || redirects.length > 0 || pendingHeredocs.some((h) => h.command === current))
      commands.push(current);
    words = [];
    redirects = [];
    current = { words, redirects, text: "" };
  };

  let i = 0;
  while (i < source.length) {
    const c = source[i] as string;
    if (c === "\\") {
      if (source[i + 1] === "\n") i += 2;
      else {
        word = (word ?? "") + (source[i + 1] ?? "");
        i += 2;
      }
    } else if (c === "'") {
      const end = source.indexOf("'", i + 1);
      const stop = end < 0 ? source.length : end;
      word = (word ?? "") + source.slice(i + 1, stop);
      i = stop + 1;
    } else if (c === '"') {
      let j = i + 1;
      let value = "";
      while (j < source.length && source[j] !== '"') {
        if (source[j] === "\\" && j + 1 < source.length && '"\\$`\n'.includes(source[j + 1] as string)) {
          if (source[j + 1] !== "\n") value += source[j + 1];
          j += 2;
        } else if (source[j] === "$" && source[j + 1] === "(") {
          const end = skipSubstitution(source, j + 1);
          inner.push(source.slice(j + 2, end - 1));
          value += source.slice(j, end);
          j = end;
        } else {
          value += source[j];
          j++;
        }
      }
      word = (word ?? "") + value;
      i = j + 1;
    } else if (c === "$" && source[i + 1] === "(") {
      const end = skipSubstitution(source, i + 1);
      inner.push(source.slice(i + 2, end - 1));
      word = (word ?? "") + source.slice(i, end);
      i = end;
    } else if (c === "`") {
      const end = source.indexOf("`", i + 1);
      const stop = end < 0 ? source.length : end;
      inner.push(source.slice(i + 1, stop));
      word = (word ?? "") + source.slice(i, stop + 1);
      i = stop + 1;
    } else if (c === "#" && word === null) {
      const end = source.indexOf("\n", i);
      i = end < 0 ? source.length : end;
    } else if (c === "\n") {
      endCommand(i);
      i++;
      for (const heredoc of pendingHeredocs) {
        const body: string[] = [];
        while (i < source.length) {
          const end = source.indexOf("\n", i);
          const stop = end < 0 ? source.length : end;
          const line = source.slice(i, stop);
          i = stop + 1;
          if ((heredoc.stripTabs ? line.replace(/^\t+/, "") : line).trimEnd() === heredoc.delimiter) break;
          body.push(line);
        }
        heredoc.command.heredoc = body.join("\n");
      }
      pendingHeredocs = [];
      start = i;
    } else if (BLANK.has(c)) {
      endWord();
      i++;
    } else if (c === "&" && source[i + 1] === ">") {
      endWord();
      const op = source.startsWith("&>>", i) ? "&>>" : "&>";
      pendingOp = op;
      i += op.length;
    } else if (SEPARATORS.has(c)) {
      endCommand(i);
      i++;
      while (i < source.length && (source[i] === c || (c === "|" && source[i] === "&"))) i++;
      start = i;
    } else if (c === "<" || c === ">") {
      if (word !== null && /^\d+$/.test(word)) word = null;
      else endWord();
      const op = REDIRECT_OPS.exec(source.slice(i, i + 3))?.[0] ?? c;
      pendingOp = op;
      i += op.length;
    } else {
      word = (word ?? "") + c;
      i++;
    }
  }
  endCommand(source.length);
  for (const text of inner) commands.push(...parseShell(text));
  return commands;
}

const PREFIXES = new Set([
  "sudo",
  "nohup",
  "time",
  "command",
  "exec",
  "builtin",
  "nice",
  "stdbuf",
  "timeout",
]);

/** The words of a command without `sudo`, `env`, `nohup`, `timeout 10` and leading `VAR=value` assignments. */
export function commandWords(command: SimpleCommand): string[] {
  const words = [...command.words];
  for (;;) {
    const first = words[0];
    if (first === undefined) return words;
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(first)) words.shift();
    else if (first === "env") {
      words.shift();
      while (words[0]?.startsWith("-") || /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0] ?? "")) words.shift();
    } else if (PREFIXES.has(first)) {
      words.shift();
      while (words[0]?.startsWith("-")) words.shift();
      if (first === "timeout" && /^\d/.test(words[0] ?? "")) words.shift();
      if (first === "nice" && /^-?\d+$/.test(words[0] ?? "")) words.shift();
    } else return words;
  }
}
