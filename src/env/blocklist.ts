/** Which actions the environment refuses because they would wait for a terminal that is not there. */
export interface Blocklist {
  /** Blocked when the action's first word is one of these. */
  firstWord: string[];
  /** Blocked when the whole action is exactly one of these. */
  standalone: string[];
  /** Message for a blocked action; `{name}` is the blocked word. */
  message: string;
}

export const defaultBlocklist: Blocklist = {
  firstWord: [
    "vim",
    "vi",
    "emacs",
    "nano",
    "pico",
    "less",
    "more",
    "top",
    "htop",
    "man",
    "watch",
    "tmux",
    "screen",
  ],
  standalone: [
    "python",
    "python3",
    "ipython",
    "bash",
    "sh",
    "/bin/bash",
    "/bin/sh",
    "su",
    "node",
    "exit",
    "jupyter",
    "R",
  ],
  message:
    "Interactive operation '{name}' is not supported by this environment. Run programs non-interactively (e.g. `python script.py`) and edit files with the editor commands.",
};

/** The blocked word of an action, or undefined if the action may run. */
export function blockedWord(action: string, blocklist: Blocklist): string | undefined {
  const trimmed = action.trim();
  if (blocklist.standalone.includes(trimmed)) return trimmed;
  const first = trimmed.split(/\s+/)[0] ?? "";
  return blocklist.firstWord.includes(first) ? first : undefined;
}

const MALFORMED_EDIT = /^edit\s+(\d+):(\d+)(\n|$|\s)/;

/**
 * Why the environment does not run an action, or undefined when it may run: an empty action, a multi-line command
 * without its end line (it would read an empty text and change the file wrongly), or a blocked interactive program.
 */
export function refuseAction(
  action: string,
  endings: Record<string, string>,
  blocklist: Blocklist,
): string | undefined {
  if (action === "") return "No command was given. Reply with exactly one command to run.";
  if (MALFORMED_EDIT.test(action) && !action.includes("end_of_edit")) {
    return "Malformed edit command. Please ensure you use the `end_of_edit` keyword to mark the end of your edit.";
  }
  const first = action.split(/\s+/)[0] ?? "";
  const end = endings[first];
  if (end !== undefined && !new RegExp(`^${end}\\s*$`, "m").test(action)) {
    return `Malformed ${first} command. Please ensure you use the \`${end}\` keyword on its own line to mark the end of your ${first} text.`;
  }
  const blocked = blockedWord(action, blocklist);
  return blocked === undefined ? undefined : blocklist.message.replace("{name}", blocked);
}
