import { type ChildProcess, spawn } from "node:child_process";
import { SandboxError } from "../errors.js";
import type { ShellProcess } from "./sandbox.js";

/**
 * Runs inside the container in front of bash: the exec's descriptors are pipes, which a command could open again
 * through /proc/$$/fd and write into; bash gets sockets instead (as node's own stdio under bwrap), its output on
 * stdout and its status channel (descriptor 3) on stderr. The first line out is "<relay pid> <bash pid>".
 */
const RELAY = `
import os, socket, subprocess, sys, threading
pairs = [socket.socketpair() for _ in range(3)]
inner = [p[1] for p in pairs]
status = inner[2].fileno()
boot = f"exec 3>&{status} {status}>&-; exec bash --noprofile --norc"
bash = subprocess.Popen(["bash", "--noprofile", "--norc", "-c", boot], stdin=inner[0], stdout=inner[1],
                        stderr=inner[1], pass_fds=(status,))
for s in inner: s.close()
os.write(1, f"{os.getpid()} {bash.pid}\\n".encode())
def pump(read, write, after=None):
    try:
        while True:
            data = read(65536)
            if not data: break
            while data:
                n = write(data); data = data[n:]
    except OSError:
        pass
    if after: after()
def shut():
    try: pairs[0][0].shutdown(socket.SHUT_WR)
    except OSError: pass
threading.Thread(target=pump, args=(lambda n: os.read(0, n), pairs[0][0].send, shut), daemon=True).start()
threading.Thread(target=pump, args=(pairs[2][0].recv, lambda d: os.write(2, d)), daemon=True).start()
out = threading.Thread(target=pump, args=(pairs[1][0].recv, lambda d: os.write(1, d)), daemon=True)
out.start()
code = bash.wait()
out.join(0.2)
os._exit(code if code >= 0 else 128 - code)
`;

/** A shell in a running container through `<engine> exec -i`, with its relay's and its own pids inside. */
export function spawnContainerShell(
  engine: string,
  container: string,
  cwd: string,
  hooks: { killAllButShell: () => Promise<number>; killPids: (pids: Set<number>) => Promise<void> },
): { shell: ShellProcess; pids: () => number[] } {
  const child = spawn(
    engine,
    ["exec", "-i", "--workdir", cwd, container, "python3", "-I", "-S", "-c", RELAY],
    { detached: true, stdio: ["pipe", "pipe", "pipe"] },
  );
  if (child.pid === undefined) throw new SandboxError(`cannot start ${engine} exec`);
  child.stdin.on("error", () => {});
  let pids: number[] | undefined;
  let head = "";
  const dataListeners: Array<(chunk: Buffer) => void> = [];
  child.stdout.on("data", (chunk: Buffer) => {
    if (pids === undefined) {
      head += chunk.toString("latin1");
      const nl = head.indexOf("\n");
      if (nl < 0) return;
      pids = head.slice(0, nl).split(" ").map(Number);
      const rest = Buffer.from(head.slice(nl + 1), "latin1");
      if (rest.length === 0) return;
      chunk = rest;
    }
    for (const l of dataListeners) l(chunk);
  });
  const shell: ShellProcess = {
    pid: child.pid,
    write: (data) => {
      child.stdin.write(data);
    },
    onData: (listener) => {
      dataListeners.push(listener);
    },
    onStatus: (listener) => {
      child.stderr.on("data", listener);
    },
    onExit: (listener) => {
      child.on("exit", (code) => listener(code));
    },
    killAllButShell: hooks.killAllButShell,
    kill: () => {
      killProcessGroup(child);
      // The CLI's end does not end what runs in the container.
      if (pids) void hooks.killPids(new Set(pids));
    },
  };
  return { shell, pids: () => pids ?? [] };
}

/** SIGKILLs a host process's group (the engine CLI's). */
export function killProcessGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    child.kill("SIGKILL");
  }
}
