import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..");

/** Runs the CLI from source as a user would run `mlgym ...`, returning its exit code and output. */
export function mlgym(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
) {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "src", "cli", "entry.ts"), ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, ...options.env },
    encoding: "utf8",
    timeout: options.timeoutMs ?? 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Like `mlgym`, without blocking the event loop (for tests that also serve HTTP in-process). */
export function mlgymAsync(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(ROOT, "src", "cli", "entry.ts"), ...args],
      {
        cwd: options.cwd ?? ROOT,
        env: { ...process.env, ...options.env },
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * `mlgym ...` as a child process to watch and signal, as a terminal user would: `waitFor` resolves once its output
 * (stderr by default) matches a pattern or a check passes, and fails on time or when the process ended first.
 */
export function mlgymProcess(args: string[], options: { env?: NodeJS.ProcessEnv } = {}) {
  const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "src", "cli", "entry.ts"), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  const out = () => ({ stdout, stderr });
  const waitFor = async (
    until: RegExp | (() => boolean),
    { stream = "stderr", timeoutMs = 90_000 }: { stream?: "stdout" | "stderr"; timeoutMs?: number } = {},
  ): Promise<RegExpExecArray | undefined> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (typeof until === "function") {
        if (until()) return undefined;
      } else {
        const m = until.exec(stream === "stdout" ? stdout : stderr);
        if (m) return m;
      }
      if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
        throw new Error(`gave up waiting for ${until}; stdout:\n${stdout}\nstderr:\n${stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  return { child, exited, waitFor, out };
}
