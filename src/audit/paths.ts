import { posix } from "node:path";

/** Where the episode's files lived, as the trajectory shows them (the original: `/home/agent/workspace`). */
export interface Layout {
  /** Absolute workspace folder (the agent's starting directory). */
  workspace: string;
  /** The agent's home: the workspace's parent, holding the tools' `commands/` folder. */
  home: string;
}

/** The original's layout, used when a trajectory records no working directory. */
export const DEFAULT_LAYOUT: Layout = { workspace: "/home/agent/workspace", home: "/home/agent" };

/** A layout from the agent's starting directory. */
export function layoutFrom(workspace: string | undefined): Layout {
  if (!workspace?.startsWith("/")) return DEFAULT_LAYOUT;
  const normal = posix.normalize(workspace).replace(/(.)\/$/, "$1");
  return { workspace: normal, home: posix.dirname(normal) };
}

/**
 * An absolute, normalised path for a path written in a command: `~`, `$HOME`, `$PWD` expanded, relative paths
 * taken from `cwd`. Glob characters are kept (see {@link globMatches}).
 */
export function resolvePath(raw: string, cwd: string, layout: Layout): string {
  let path = raw.trim();
  path = path.replace(/^~(?=\/|$)/, layout.home);
  path = path.replace(/^\$\{?HOME\}?(?=\/|$)/, layout.home);
  path = path.replace(/^\$\{?PWD\}?(?=\/|$)/, cwd);
  const abs = path.startsWith("/") ? path : posix.join(cwd, path);
  return posix.normalize(abs).replace(/(.)\/$/, "$1");
}

/** The path relative to the workspace (`""` for the workspace itself); undefined outside it. */
export function workspaceRelative(abs: string, layout: Layout): string | undefined {
  if (abs === layout.workspace) return "";
  return abs.startsWith(`${layout.workspace}/`) ? abs.slice(layout.workspace.length + 1) : undefined;
}

const GLOB = /[*?[]/;

/** Whether a path holds glob characters. */
export function isGlob(path: string): boolean {
  return GLOB.test(path);
}

function globRegex(pattern: string): RegExp {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === "*") source += "[^/]*";
    else if (c === "?") source += "[^/]";
    else if (c === "[") {
      const end = pattern.indexOf("]", i + 1);
      if (end < 0) source += "\\[";
      else {
        source += `[${pattern
          .slice(i + 1, end)
          .replace(/^!/, "^")
          .replace(/\\/g, "\\\\")}]`;
        i = end;
      }
    } else source += c.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}

/**
 * Whether `path` (possibly a glob) names `target` or a folder above it: `data/*` names `data/answer.csv`, `*`
 * names `evaluate.py`, `data` names `data/answer.csv`.
 */
export function pathCovers(path: string, target: string): boolean {
  if (path === "" || path === target || target.startsWith(`${path}/`)) return true;
  if (!isGlob(path)) return false;
  const regex = globRegex(path);
  const parts = target.split("/");
  for (let n = parts.length; n > 0; n--) if (regex.test(parts.slice(0, n).join("/"))) return true;
  return false;
}
