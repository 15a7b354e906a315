import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  writeSync,
} from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { EvaluationFormatError, SubmissionNotFoundError } from "../errors.js";

/** Why a submission file was refused; the agent sees the message. */
export class SubmissionRejectedError extends EvaluationFormatError {
  constructor(message: string) {
    super(message, `Submission refused: ${message}`);
  }
}

/**
 * Copies `rel` from the agent's workspace into the evaluation's folder as a regular file. Refuses symbolic links
 * (in the file or any folder on its way), hard links and files over `maxBytes`: the copy is taken with the agent's
 * processes stopped, so what is checked is what is copied. Throws SubmissionNotFoundError when it does not exist.
 */
export function copySubmissionFile(
  workspaceDir: string,
  rel: string,
  targetDir: string,
  maxBytes: number,
): void {
  const parts = rel.split("/").filter(Boolean);
  let path = workspaceDir;
  for (const [i, part] of parts.entries()) {
    path = join(path, part);
    let st: ReturnType<typeof lstatSync>;
    try {
      st = lstatSync(path);
    } catch {
      throw new SubmissionNotFoundError(
        "No submission file found. Please make sure that your code produces a submission file.",
      );
    }
    if (st.isSymbolicLink())
      throw new SubmissionRejectedError(
        `${parts.slice(0, i + 1).join("/")} is a symbolic link; write a regular file`,
      );
    if (i < parts.length - 1 && !st.isDirectory())
      throw new SubmissionRejectedError(`${parts.slice(0, i + 1).join("/")} is not a folder`);
  }
  copyRegularFile(path, rel, join(targetDir, rel), maxBytes);
}

function copyRegularFile(source: string, shown: string, target: string, maxBytes: number): number {
  let fd: number;
  try {
    fd = openSync(source, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    throw new SubmissionRejectedError(`${shown} cannot be opened as a regular file`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new SubmissionRejectedError(`${shown} is not a regular file`);
    if (st.nlink > 1) throw new SubmissionRejectedError(`${shown} is a hard link; write a regular file`);
    if (st.size > maxBytes)
      throw new SubmissionRejectedError(`${shown} has ${st.size} bytes, more than the ${maxBytes} allowed`);
    mkdirSync(dirname(target), { recursive: true });
    const out = openSync(target, "wx", 0o644);
    try {
      const buf = Buffer.allocUnsafe(1 << 20);
      let total = 0;
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, null);
        if (n === 0) break;
        total += n;
        if (total > maxBytes)
          throw new SubmissionRejectedError(`${shown} grew past the ${maxBytes} bytes allowed`);
        writeSync(out, buf, 0, n);
      }
      return total;
    } finally {
      closeSync(out);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Copies the regular files of the workspace (not `data/`, not symbolic links, not hard links, nothing in `skip`)
 * into the evaluation's folder, for task kinds whose artefact is a set of files (a model and its config).
 */
export function copyWorkspaceFiles(
  workspaceDir: string,
  targetDir: string,
  maxBytes: number,
  skip: Set<string>,
): void {
  let total = 0;
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const rel = relative(workspaceDir, path).split(sep).join("/");
      if (rel === "data" || skip.has(rel)) continue;
      const st = lstatSync(path);
      if (st.isDirectory()) walk(path);
      else if (st.isFile() && st.nlink === 1) {
        total += copyRegularFile(path, rel, join(targetDir, rel), maxBytes - total);
      }
    }
  };
  walk(workspaceDir);
}
