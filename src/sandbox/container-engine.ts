import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { SandboxError } from "../errors.js";
import { readProcStat } from "./proc-stat.js";

/** The task image the container backends run (`mlgym image build` makes it). */
export function taskImage(): string {
  return process.env.MLGYM_IMAGE?.trim() || "mlgym-task:latest";
}

/** The engine's command: the given one, else MLGYM_CONTAINER_ENGINE, else `docker`. */
export function engineCommand(engine?: string): string {
  return engine ?? (process.env.MLGYM_CONTAINER_ENGINE?.trim() || "docker");
}

/** Labels every container of this process carries, so that orphans of a crashed run can be found and removed. */
export const LABELS = {
  episode: "mlgym.episode",
  pid: "mlgym.pid",
  host: "mlgym.host",
  created: "mlgym.created",
};

/** One finished engine command. */
export interface EngineResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Errors of the engine itself (the daemon, its socket), as opposed to a failed command inside a container. */
const TRANSIENT =
  /Cannot connect to the|connection refused|i\/o timeout|TLS handshake|deadline exceeded|EOF$/im;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs one engine command with a host-side deadline (SIGKILL past it). */
function once(engine: string, args: string[], timeoutMs: number): Promise<EngineResult> {
  return new Promise((resolve) => {
    const child = spawn(engine, args, { stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    const done = (code: number | null, extra = "") => {
      clearTimeout(timer);
      resolve({
        code,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8") + extra,
      });
    };
    child.on("error", (e) => done(null, `${e.message}\n`));
    child.on("close", (code, signal) =>
      done(code, signal ? `killed by ${signal} after ${timeoutMs} ms\n` : ""),
    );
  });
}

/**
 * Runs an engine command with a deadline per attempt and bounded retries (with backoff) on engine failures and
 * time-outs; throws a SandboxError naming the command when every attempt failed. `before` runs ahead of each retry
 * (a create removes its half-made container first).
 */
export async function engineCall(
  engine: string,
  args: string[],
  options: {
    timeoutMs?: number;
    attempts?: number;
    before?: () => Promise<unknown>;
    allowFail?: boolean;
  } = {},
): Promise<EngineResult> {
  const attempts = options.attempts ?? 3;
  let last: EngineResult | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) {
      await sleep(250 * 4 ** (attempt - 2));
      await options.before?.();
    }
    last = await once(engine, args, options.timeoutMs ?? 60_000);
    if (last.code === 0) return last;
    const retryable = last.code === null || TRANSIENT.test(last.stderr);
    if (!retryable) break;
  }
  if (options.allowFail) return last!;
  throw new SandboxError(
    `${engine} ${args.slice(0, 2).join(" ")} failed (exit ${last?.code}): ${last?.stderr.trim().slice(0, 1000)}`,
  );
}

/** Whether Podman finds the init process that `--init` runs: catatonit where Podman looks, or an init_path set. */
function podmanInitFound(): boolean {
  const home = process.env.HOME ?? "";
  const configs = ["/etc/containers/containers.conf", join(home, ".config/containers/containers.conf")];
  for (const file of configs) {
    try {
      if (/^\s*init_path\s*=/m.test(readFileSync(file, "utf8"))) return true;
    } catch {
      // no such file
    }
  }
  const places = [
    "/usr/libexec/podman",
    "/usr/local/libexec/podman",
    "/usr/lib/podman",
    "/usr/bin",
    "/usr/local/bin",
  ];
  return places.some((dir) => existsSync(join(dir, "catatonit")));
}

/** Whether the engine answers and the task image exists; the reason when not. */
export function probeContainerEngine(engineName?: string): { ok: boolean; reason: string } {
  const engine = engineCommand(engineName);
  const version = spawnSync(engine, ["version", "--format", "{{.Server.Version}}"], {
    encoding: "utf8",
    timeout: 10_000,
  });
  if (version.error)
    return { ok: false, reason: `${engine} not found (see the README: "Docker and Podman")` };
  if (version.status !== 0) {
    const why = (version.stderr || "").trim().split("\n")[0] || `exit ${version.status}`;
    return { ok: false, reason: `the ${engine} engine does not answer: ${why}` };
  }
  if (engine.endsWith("podman") && !podmanInitFound())
    return {
      ok: false,
      reason:
        "podman's --init needs catatonit, which is not installed (apt-get install catatonit, or set init_path in containers.conf)",
    };
  const image = spawnSync(engine, ["image", "inspect", "--format", "{{.Id}}", taskImage()], {
    encoding: "utf8",
    timeout: 10_000,
  });
  if (image.status !== 0)
    return { ok: false, reason: `image ${taskImage()} is missing: run \`mlgym image build\`` };
  return { ok: true, reason: `${engine} ${version.stdout.trim()}, image ${taskImage()}` };
}

/**
 * Who the agent is inside the engine's containers, so that the files it writes in the bind-mounted workspace belong
 * to the host user: the host uid under a root engine; uid 0 under rootless Docker (mapped to the host user); the
 * host uid kept by a user namespace under rootless Podman.
 */
export interface ContainerUser {
  uid: number;
  gid: number;
  args: string[];
}

const users = new Map<string, ContainerUser>();

export function containerUser(engine: string): ContainerUser {
  const known = users.get(engine);
  if (known) return known;
  const uid = process.getuid?.() ?? 1000;
  const gid = process.getgid?.() ?? 1000;
  let user: ContainerUser = { uid, gid, args: ["--user", `${uid}:${gid}`] };
  if (uid !== 0) {
    const podman = engine.endsWith("podman");
    const format = podman ? "{{.Host.Security.Rootless}}" : "{{json .SecurityOptions}}";
    const info = spawnSync(engine, ["info", "--format", format], { encoding: "utf8", timeout: 15_000 });
    const rootless = podman ? info.stdout.trim() === "true" : info.stdout.includes("rootless");
    if (rootless && podman) user = { uid, gid, args: ["--userns", "keep-id", "--user", `${uid}:${gid}`] };
    else if (rootless) user = { uid: 0, gid: 0, args: ["--user", "0:0"] };
  }
  users.set(engine, user);
  return user;
}

/** A hard limit of this process from /proc/self/limits ("Max processes", "Max open files"); undefined if unlimited. */
function hardLimit(name: string): number | undefined {
  try {
    const line = readFileSync("/proc/self/limits", "utf8")
      .split("\n")
      .find((l) => l.startsWith(name));
    const hard = line?.slice(name.length).trim().split(/\s+/)[1];
    return hard && /^\d+$/.test(hard) ? Number(hard) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Podman's own rlimits for a container's processes: it raises `nofile` and `nproc` to values of its own (up to
 * 1048576) that an unprivileged or nested host refuses ("error setting rlimit type 7: operation not permitted").
 * Docker passes its daemon's limits; Podman gets this process's hard limits instead, `nproc` also capped at the
 * kernel's pid_max (higher is refused). The episode's process limit stays with `--pids-limit`: `nproc` counts every
 * process of the uid on the host, not the container's.
 */
export function podmanUlimitArgs(): string[] {
  podmanUlimits ??= computePodmanUlimits();
  return podmanUlimits;
}

/** This process's limits do not change while it runs: read once, for every container it starts. */
let podmanUlimits: string[] | undefined;

function computePodmanUlimits(): string[] {
  const args: string[] = [];
  const nofile = hardLimit("Max open files");
  if (nofile) args.push("--ulimit", `nofile=${nofile}:${nofile}`);
  let pidMax: number | undefined;
  try {
    pidMax = Number(readFileSync("/proc/sys/kernel/pid_max", "utf8").trim()) || undefined;
  } catch {
    pidMax = undefined;
  }
  const caps = [hardLimit("Max processes"), pidMax].filter((n): n is number => !!n);
  if (caps.length > 0) {
    const nproc = Math.min(...caps);
    args.push("--ulimit", `nproc=${nproc}:${nproc}`);
  }
  return args;
}

/** The labels of a container made by this process. */
export function labelArgs(name: string): string[] {
  return [
    "--label",
    `${LABELS.episode}=${name}`,
    "--label",
    `${LABELS.pid}=${process.pid}`,
    "--label",
    `${LABELS.host}=${hostname()}`,
    "--label",
    `${LABELS.created}=${new Date().toISOString()}`,
  ];
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A container of mlgym's, with the process that made it. */
export interface LabelledContainer {
  id: string;
  name: string;
  pid: number;
  host: string;
  created: string;
  /** Its maker is gone (a crashed or killed run on this host). */
  orphan: boolean;
}

/** Every container with mlgym's labels, running or not. */
export async function listContainers(engineName?: string): Promise<LabelledContainer[]> {
  const engine = engineCommand(engineName);
  // Docker's `ps` template has `.Label "k"`; Podman's has a map of labels (`index .Labels "k"`).
  const label = engine.endsWith("podman")
    ? (k: string) => `{{index .Labels "${k}"}}`
    : (k: string) => `{{.Label "${k}"}}`;
  const format = `{{.ID}}\t{{.Names}}\t${label(LABELS.pid)}\t${label(LABELS.host)}\t${label(LABELS.created)}`;
  const r = await engineCall(engine, ["ps", "-a", "--filter", `label=${LABELS.pid}`, "--format", format], {
    timeoutMs: 30_000,
  });
  const here = hostname();
  return r.stdout
    .split("\n")
    .filter((l) => l.trim())
    .map((line) => {
      const [id = "", name = "", pid = "", host = "", created = ""] = line.split("\t");
      const maker = Number(pid);
      return { id, name, pid: maker, host, created, orphan: host === here && !alive(maker) };
    });
}

/** Removes the orphans of crashed runs on this host (their maker process is gone); returns their names. */
export async function removeOrphans(engineName?: string): Promise<string[]> {
  const engine = engineCommand(engineName);
  const orphans = (await listContainers(engine)).filter((c) => c.orphan);
  if (orphans.length > 0)
    await engineCall(engine, ["rm", "-f", ...orphans.map((c) => c.id)], { timeoutMs: 120_000 });
  return orphans.map((c) => c.name);
}

/** Containers still to remove when this process exits (a normal exit, or one after an uncaught error). */
const live = new Map<string, string>();
let hooked = false;

/** Registers a container to be removed synchronously at process exit should its owner not remove it first. */
export function trackContainer(engine: string, name: string): void {
  live.set(name, engine);
  if (hooked) return;
  hooked = true;
  process.on("exit", () => {
    for (const [n, e] of live) spawnSync(e, ["rm", "-f", n], { stdio: "ignore", timeout: 15_000 });
  });
}

export function untrackContainer(name: string): void {
  live.delete(name);
}

/**
 * Each container's init as the engine reported it (`State.Pid`), with the start time and PID namespace it had then:
 * a later call trusts the cached pid only while the process with that pid still has both (the init may have died
 * and its pid gone to another process, whose namespace must never be swept).
 */
const inits = new Map<string, { pid: number; started: string; ns: string }>();

function pidNamespace(hostPid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${hostPid}/ns/pid`);
  } catch {
    return undefined;
  }
}

/** A process's start time (field 22 of /proc/<pid>/stat, in clock ticks since boot). */
function startTime(hostPid: number): string | undefined {
  return readProcStat(hostPid)?.fields[19];
}

/** The container's init now, asked of the engine where the cached one is gone; undefined if it has none. */
async function containerInit(engine: string, name: string): Promise<{ pid: number; ns: string } | undefined> {
  const key = `${engine}\0${name}`;
  const cached = inits.get(key);
  if (cached && startTime(cached.pid) === cached.started && pidNamespace(cached.pid) === cached.ns)
    return cached;
  inits.delete(key);
  const r = await engineCall(engine, ["inspect", "--format", "{{.State.Pid}}", name], {
    timeoutMs: 30_000,
    allowFail: true,
  });
  const pid = Number(r.stdout.trim());
  if (r.code !== 0 || !Number.isInteger(pid) || pid <= 0) return undefined;
  const ns = pidNamespace(pid);
  const started = startTime(pid);
  // A container in the host's PID namespace has no processes of its own to tell apart: none are returned.
  if (ns === undefined || started === undefined || ns === pidNamespace(process.pid)) return undefined;
  const init = { pid, started, ns };
  inits.set(key, init);
  return init;
}

/**
 * Host pids of a container's processes, each with its pid inside the container (local engines only): the host's
 * processes in the PID namespace of the container's init. Read from /proc rather than asked of the engine, so that
 * it also works while the container is paused (`podman top` refuses a paused container) and costs no CLI call.
 */
export async function containerProcesses(
  engine: string,
  name: string,
): Promise<Array<{ hostPid: number; pid: number }>> {
  const init = await containerInit(engine, name);
  if (!init) return [];
  const out: Array<{ hostPid: number; pid: number }> = [];
  for (const entry of readdirSync("/proc")) {
    const hostPid = Number(entry);
    if (!Number.isInteger(hostPid) || hostPid <= 0 || pidNamespace(hostPid) !== init.ns) continue;
    const pid = nsPid(hostPid);
    if (pid !== undefined) out.push({ hostPid, pid });
  }
  return out;
}

/** Forgets a removed container's init. */
export function forgetContainer(engine: string, name: string): void {
  inits.delete(`${engine}\0${name}`);
}

/** The pid a host process has in its innermost PID namespace. */
function nsPid(hostPid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${hostPid}/status`, "utf8");
    const line = /^NSpid:\s*(.+)$/m.exec(status)?.[1];
    const last = line?.trim().split(/\s+/).pop();
    return last ? Number(last) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a host process's environment holds `entry` (`NAME=value`). */
export function environHas(hostPid: number, entry: string): boolean {
  try {
    return readFileSync(`/proc/${hostPid}/environ`).toString("utf8").split("\0").includes(entry);
  } catch {
    return false;
  }
}
