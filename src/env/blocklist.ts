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
