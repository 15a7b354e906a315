import { spawn } from "node:child_process";
import { join } from "node:path";
import { SandboxError } from "../errors.js";
import { projectRoot } from "../runtime/paths.js";
import { engineCall, engineCommand, taskImage } from "./container-engine.js";

/** The base the task image starts from: built locally from Debian's mirror (images/base.sh), never pulled. */
export function baseImage(): string {
  return process.env.MLGYM_BASE_IMAGE?.trim() || "mlgym-base:bookworm";
}

/** What `buildTaskImage` did. */
export interface ImageBuild {
  image: string;
  base: string;
  builtBase: boolean;
  builtImage: boolean;
}

async function exists(engine: string, image: string): Promise<boolean> {
  const r = await engineCall(engine, ["image", "inspect", "--format", "{{.Id}}", image], { allowFail: true });
  return r.code === 0;
}

/** Runs a build step, its output streamed to `log`; a failure is a SandboxError with its last lines. */
function step(argv: string[], log: (line: string) => void, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
    const tail: string[] = [];
    const take = (chunk: Buffer) => {
      for (const line of chunk
        .toString("utf8")
        .split("\n")
        .filter((l) => l.trim())) {
        log(line);
        tail.push(line);
        if (tail.length > 20) tail.shift();
      }
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new SandboxError(`${argv[0]}: ${e.message}`));
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else
        reject(new SandboxError(`${argv.slice(0, 3).join(" ")} failed (exit ${code}):\n${tail.join("\n")}`));
    });
  });
}

/**
 * Builds the task image (images/Dockerfile) with the engine, first building its base with debootstrap where the
 * base is absent (`MLGYM_BASE_IMAGE` names a base of your own, e.g. one pulled from a registry). Cached: nothing is
 * rebuilt unless `rebuild`.
 */
export async function buildTaskImage(
  options: { engine?: string; rebuild?: boolean; log?: (line: string) => void } = {},
): Promise<ImageBuild> {
  const engine = engineCommand(options.engine);
  const log = options.log ?? (() => {});
  const image = taskImage();
  const base = baseImage();
  const images = join(projectRoot(), "images");
  let builtBase = false;
  if (options.rebuild || !(await exists(engine, base))) {
    log(`building the base image ${base} with debootstrap`);
    await step(["bash", join(images, "base.sh"), engine, base], log, 30 * 60_000);
    builtBase = true;
  }
  let builtImage = false;
  if (options.rebuild || builtBase || !(await exists(engine, image))) {
    log(`building ${image} from ${base}`);
    await step([engine, "build", "--build-arg", `BASE=${base}`, "-t", image, images], log, 30 * 60_000);
    builtImage = true;
  }
  return { image, base, builtBase, builtImage };
}
