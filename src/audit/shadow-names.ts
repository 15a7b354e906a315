import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "../runtime/paths.js";
import type { Severity } from "./audit-file.js";
import { STDLIB_MODULES } from "./stdlib-modules.js";

/** Distribution names whose import name differs from the lower-cased, underscored distribution name. */
const IMPORT_NAME_OF: Readonly<Record<string, readonly string[]>> = {
  "scikit-learn": ["sklearn"],
  pillow: ["PIL"],
  "python-dateutil": ["dateutil"],
  pyyaml: ["yaml"],
  torch: ["torch", "functorch", "torchgen"],
};

/**
 * Packages the original's task image carried besides ours (its evaluations import `datasets`, `transformers`, ...):
 * shadowing them is tampering in the original's runs.
 */
const ORIGINAL_IMAGE_PACKAGES = [
  "datasets",
  "transformers",
  "gymnasium",
  "matplotlib",
  "tqdm",
  "torchvision",
];

/**
 * Standard-library names that agents use for their own scripts and that no evaluation imports: a file with one of
 * these names is reported with severity `medium` instead of `high`.
 */
const RARELY_IMPORTED = new Set([
  "antigravity",
  "this",
  "turtle",
  "turtledemo",
  "idlelib",
  "tkinter",
  "ensurepip",
  "venv",
  "lib2to3",
  "pydoc_data",
  "msilib",
  "msvcrt",
  "winreg",
  "winsound",
  "nt",
  "code",
  "profile",
  "trace",
  "cmd",
  "mailbox",
  "nntplib",
  "telnetlib",
  "ftplib",
  "smtpd",
  "smtplib",
  "imaplib",
  "poplib",
  "cgi",
  "cgitb",
  "webbrowser",
  "sched",
  "calendar",
]);

/** Import names of the packages listed in a pip requirements file (options, comments and markers ignored). */
export function importNamesFromRequirements(text: string): string[] {
  const names: string[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*/, "").trim();
    if (line === "" || line.startsWith("-")) continue;
    const dist = /^[A-Za-z0-9][A-Za-z0-9._-]*/.exec(line)?.[0];
    if (!dist) continue;
    const key = dist.toLowerCase();
    for (const name of IMPORT_NAME_OF[key] ?? [key.replaceAll("-", "_").replaceAll(".", "_")]) {
      if (!names.includes(name)) names.push(name);
    }
  }
  return names;
}

let runtimePackagesCache: string[] | undefined;

/** The project's own Python packages in `python/` (e.g. the evaluation helpers), which the evaluations import. */
function projectPackages(dir: string): string[] {
  try {
    return readdirSync(dir).filter((name) => existsSync(join(dir, name, "__init__.py")));
  } catch {
    return [];
  }
}

/**
 * Import names of the managed task runtime (`python/requirements.txt` and the packages in `python/`) plus the
 * original image's packages.
 */
export function runtimePackages(): string[] {
  if (!runtimePackagesCache) {
    const python = join(projectRoot(), "python");
    let fromFile: string[] = [];
    try {
      fromFile = importNamesFromRequirements(readFileSync(join(python, "requirements.txt"), "utf8"));
    } catch {
      // an installation without the requirements file still knows the original image's packages
    }
    runtimePackagesCache = [
      ...new Set([...fromFile, ...projectPackages(python), ...ORIGINAL_IMAGE_PACKAGES]),
    ];
  }
  return runtimePackagesCache;
}

/** Module names a workspace file must not take, with the severity of taking each. */
export function shadowNames(extraPackages: readonly string[] = runtimePackages()): Map<string, Severity> {
  const names = new Map<string, Severity>();
  for (const name of STDLIB_MODULES) names.set(name, RARELY_IMPORTED.has(name) ? "medium" : "high");
  for (const name of extraPackages) names.set(name, "high");
  return names;
}
