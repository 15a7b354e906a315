/** Escapes a string for use inside a regular expression. */
function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

interface Block {
  /** Index just past the command's first line (where the heredoc redirection goes). */
  lineEnd: number;
  /** Index just past the end marker. */
  end: number;
  endName: string;
}

function firstBlock(text: string, from: number, endings: Record<string, string>): Block | undefined {
  let best: { start: number; block: Block } | undefined;
  for (const [name, endName] of Object.entries(endings)) {
    const re = new RegExp(
      `^[ \\t]*${escapeRegExp(name)}(?=[ \\t]|$)[^\\n]*$.*?^${escapeRegExp(endName)}[ \\t]*$`,
      "gms",
    );
    re.lastIndex = from;
    const m = re.exec(text);
    if (!m || (best && best.start <= m.index)) continue;
    const newline = text.indexOf("\n", m.index);
    best = { start: m.index, block: { lineEnd: newline, end: m.index + m[0].length, endName } };
  }
  return best?.block;
}

/**
 * Feeds the text of multi-line commands to them: appends ` << '<end>'` to the first line of every
 * `<command> ...` / text / `<end>` block, leaving everything else (text before, between and after blocks) as it was.
 */
export function guardMultiline(action: string, endings: Record<string, string>): string {
  let out = "";
  let pos = 0;
  for (;;) {
    const block = firstBlock(action, pos, endings);
    if (!block) break;
    const firstLine = action.slice(pos, block.lineEnd);
    const heredoc = ` << '${block.endName}'`;
    out += firstLine.trimEnd().endsWith(heredoc.trim()) ? firstLine : firstLine + heredoc;
    out += action.slice(block.lineEnd, block.end);
    pos = block.end;
  }
  return out + action.slice(pos);
}
