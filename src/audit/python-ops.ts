/** What a line of Python does to a file, with the path as written in a string literal. */
export interface PythonFileOp {
  kind: "write" | "delete" | "chmod" | "link" | "move-away" | "mkdir";
  path: string;
  how: string;
}

const LITERAL = /[rbfuRBFU]{0,2}(['"])((?:\\.|(?!\1)[^\\\n])*)\1/g;

/** The string literals of a piece of Python source, in order. */
export function stringLiterals(source: string): string[] {
  return [...source.matchAll(LITERAL)].map((m) => m[2] as string);
}

const OPEN =
  /\bopen\s*\(\s*[rbfuRBFU]{0,2}(['"])([^'"\n]+)\1\s*,\s*(?:mode\s*=\s*)?[rbfu]{0,2}(['"])([^'"\n]*)\3/g;
const PATH_METHOD =
  /\bPath\s*\(\s*[rbfu]{0,2}(['"])([^'"\n]+)\1\s*\)\s*\.\s*(write_text|write_bytes|touch|unlink|rmdir|chmod|symlink_to|hardlink_to|rename|replace|mkdir)\b/g;
const OS_CALL =
  /\bos\.(remove|unlink|rmdir|removedirs|chmod|lchmod|chown|symlink|link|rename|replace|truncate|makedirs|mkdir)\s*\(([^)\n]*)\)/g;
const SHUTIL_CALL = /\bshutil\.(copy|copy2|copyfile|copytree|move|rmtree|copymode|copystat)\s*\(([^)\n]*)\)/g;
const SAVER =
  /(?:\.(?:to_csv|to_parquet|to_json|to_pickle|to_feather|savefig)|\b(?:np|numpy)\.(?:save|savez|savez_compressed|savetxt))\s*\(\s*[rbfu]{0,2}(['"])([^'"\n]+)\1/g;
const SAVER_SECOND = /\b(?:torch|joblib|pickle)\.(?:save|dump)\s*\([^,\n]*,\s*[rbfu]{0,2}(['"])([^'"\n]+)\1/g;
const PATH_METHOD_KIND: Record<string, PythonFileOp["kind"]> = {
  unlink: "delete",
  rmdir: "delete",
  chmod: "chmod",
  symlink_to: "link",
  hardlink_to: "link",
  rename: "move-away",
  replace: "move-away",
  mkdir: "mkdir",
};

/**
 * File operations of Python source whose paths are string literals (`open('x', 'w')`, `os.remove('x')`,
 * `shutil.copy(a, 'x')`, `Path('x').write_text(...)`, `df.to_csv('x')`, ...). Paths held in variables are invisible.
 */
export function pythonFileOps(source: string): PythonFileOp[] {
  const ops: PythonFileOp[] = [];
  for (const m of source.matchAll(OPEN)) {
    if (/[wax+]/.test(m[4] as string))
      ops.push({ kind: "write", path: m[2] as string, how: "open(..., 'w')" });
  }
  for (const m of source.matchAll(PATH_METHOD)) {
    const method = m[3] as string;
    ops.push({ kind: PATH_METHOD_KIND[method] ?? "write", path: m[2] as string, how: `Path.${method}` });
  }
  for (const m of source.matchAll(OS_CALL)) {
    const fn = m[1] as string;
    const [first, second] = stringLiterals(m[2] as string);
    const how = `os.${fn}`;
    if (/^(?:remove|unlink|rmdir|removedirs)$/.test(fn)) {
      for (const path of stringLiterals(m[2] as string)) ops.push({ kind: "delete", path, how });
    } else if (/^(?:chmod|lchmod|chown)$/.test(fn)) {
      if (first) ops.push({ kind: "chmod", path: first, how });
    } else if (fn === "symlink" || fn === "link") {
      if (second) ops.push({ kind: "link", path: second, how });
    } else if (fn === "rename" || fn === "replace") {
      if (first) ops.push({ kind: "move-away", path: first, how });
      if (second) ops.push({ kind: "write", path: second, how });
    } else if (fn === "truncate") {
      if (first) ops.push({ kind: "write", path: first, how });
    } else if (first) ops.push({ kind: "mkdir", path: first, how });
  }
  for (const m of source.matchAll(SHUTIL_CALL)) {
    const fn = m[1] as string;
    const literals = stringLiterals(m[2] as string);
    const how = `shutil.${fn}`;
    if (fn === "rmtree") {
      if (literals[0]) ops.push({ kind: "delete", path: literals[0], how });
    } else if (fn === "copymode" || fn === "copystat") {
      if (literals[1]) ops.push({ kind: "chmod", path: literals[1], how });
    } else {
      if (fn === "move" && literals[0]) ops.push({ kind: "move-away", path: literals[0], how });
      if (literals[1]) ops.push({ kind: "write", path: literals[1], how });
    }
  }
  for (const m of source.matchAll(SAVER))
    ops.push({ kind: "write", path: m[2] as string, how: "a save call" });
  for (const m of source.matchAll(SAVER_SECOND))
    ops.push({ kind: "write", path: m[2] as string, how: "a save call" });
  return ops;
}

const SHELL_CALL =
  /\b(?:os\.system|os\.popen|subprocess\.(?:run|call|check_call|check_output|Popen|getoutput|getstatusoutput))\s*\(\s*(\[[^\]\n]*\]|[rbfu]{0,2}(['"])(?:\\.|(?!\2)[^\\\n])*\2)/g;

/** Shell command lines that Python source runs (`os.system("...")`, `subprocess.run([...])`), as text. */
export function pythonShellCommands(source: string): string[] {
  const commands: string[] = [];
  for (const m of source.matchAll(SHELL_CALL)) {
    const arg = m[1] as string;
    const literals = stringLiterals(arg);
    commands.push(arg.startsWith("[") ? literals.join(" ") : (literals[0] ?? ""));
  }
  return commands.filter((c) => c.trim() !== "");
}

/** Top-level module paths a piece of Python imports (`import a.b` -> `a.b`, `from .c import d` is skipped). */
export function pythonImports(source: string): string[] {
  const names = new Set<string>();
  for (const m of source.matchAll(/^[ \t]*from[ \t]+([A-Za-z_][\w.]*)[ \t]+import\b/gm))
    names.add(m[1] as string);
  for (const m of source.matchAll(/^[ \t]*import[ \t]+([^\n#;]+)/gm)) {
    for (const part of (m[1] as string).split(",")) {
      const name = part.trim().split(/\s+/)[0];
      if (name && /^[A-Za-z_][\w.]*$/.test(name)) names.add(name);
    }
  }
  return [...names];
}
