import { mkdirSync, rmSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import type { TaskSpec } from "../config/load-task.js";
import { evaluationSupportDir } from "../runtime/paths.js";
import { runtimeBinDirs, runtimeFolders } from "../runtime/python-runtime.js";
import { ensureTaskRuntime } from "../runtime/task-runtime.js";
import { episodeLimits } from "../sandbox/limits.js";
import type { SandboxFactory } from "../sandbox/registry.js";
import type { Mount, Sandbox, SandboxLimits } from "../sandbox/sandbox.js";
import { runPrepareScript } from "../tasks/prepare.js";
import type { Toolset } from "../tools/index.js";
import { copyTree, type Snapshot } from "./snapshot.js";
import { createEpisodeRoot, type EpisodeLayout, prepareEpisode } from "./workspace.js";

/** What one episode is provisioned from. */
export interface ProvisionRequest {
  spec: TaskSpec;
  toolset: Toolset;
  /** Builds the sandbox (handed down from `run/`, or a registry backend's). */
  factory: SandboxFactory;
  seed: number;
  /** Limits overriding the task's. */
  limits?: SandboxLimits;
  workRoot?: string;
  /** A host folder used in place as the workspace. */
  workspaceDir?: string;
  devices?: string[];
  /** The snapshot whose home the episode continues from. */
  snapshot?: Snapshot;
}

/** A provisioned episode: its folders and its started sandbox (`sandbox.close()` and removing `layout.root` undo it). */
export interface Provisioned {
  layout: EpisodeLayout;
  sandbox: Sandbox;
}

/**
 * Provisions an episode: the task's data prepared, a fresh episode folder (or a snapshot's home), and a sandbox
 * built by the factory with the task's mounts, limits and environment. Nothing is left behind when it fails.
 */
export async function provisionEpisode(req: ProvisionRequest): Promise<Provisioned> {
  const { spec } = req;
  const config = spec.config;
  // The shared runtime, or the task's own when its YAML names pip requirements (task-runtime.ts).
  const runtime = await ensureTaskRuntime(spec);
  runPrepareScript(spec, runtime.binDir);
  const root = createEpisodeRoot(config.id, req.workRoot);
  try {
    const layout: EpisodeLayout = req.workspaceDir
      ? {
          root,
          homeDir: join(root, "home"),
          workspaceDir: req.workspaceDir,
          mounts: [],
          evaluationMounts: [],
          evaluationView: [],
        }
      : prepareEpisode(spec, root);
    if (req.snapshot) {
      rmSync(layout.homeDir, { recursive: true, force: true });
      await copyTree(req.snapshot.homeCopy, layout.homeDir);
    }
    mkdirSync(layout.homeDir, { recursive: true });
    const limits = episodeLimits(taskLimits(spec), req.limits);
    const sandbox = await req.factory({
      homeDir: layout.homeDir,
      workspaceDir: layout.workspaceDir,
      mounts: [
        ...layout.mounts,
        ...req.toolset.files.map((f) => ({ hostPath: f.path, path: `commands/${f.name}`, readOnly: true })),
        ...runtimeFolders(runtime).map((dir) => ({ hostPath: dir, path: dir, readOnly: true })),
        { hostPath: evaluationSupportDir(), path: evaluationSupportDir(), readOnly: true },
        ...hubCopyMounts(spec),
      ],
      evaluationMounts: layout.evaluationMounts,
      network: config.network,
      limits,
      env: {
        MLGYM_SEED: String(req.seed),
        ...threadEnv(limits.cpus),
        ...(req.devices ? { CUDA_VISIBLE_DEVICES: req.devices.join(",") } : {}),
        MPLBACKEND: "Agg",
        PIP_DISABLE_PIP_VERSION_CHECK: "1",
        PYTHONDONTWRITEBYTECODE: "1",
        // The trusted mlgym_eval package, so that the agent can run evaluate.py by hand as well.
        PYTHONPATH: evaluationSupportDir(),
        ...hubCopyEnv(spec),
      },
      path: runtimeBinDirs(runtime),
      ...(req.devices ? { devices: req.devices } : {}),
    });
    return { layout, sandbox };
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Thread pools sized to the sandbox's CPU share. The quota (a cgroup's `cpu.max`, docker's `--cpus`) is invisible to
 * OpenMP, MKL and OpenBLAS, which start a thread per core of the host and are throttled into a crawl; and threads
 * that spin at OpenMP's barriers (its default) slow a training run several times over as soon as anything else wants
 * a core (a second episode, the agent's own background job): measured here, a small torch training with 2 threads took
 * 1.1 s alone and 4.7 s beside one busy process, 1.4 s with passive waiting (1.25 s alone). The agent can export
 * other values in its shell.
 */
export function threadEnv(cpus: number | undefined): Record<string, string> {
  const threads = String(
    Math.max(1, Math.min(availableParallelism(), Math.floor(cpus ?? availableParallelism()))),
  );
  return {
    OMP_NUM_THREADS: threads,
    MKL_NUM_THREADS: threads,
    OPENBLAS_NUM_THREADS: threads,
    NUMEXPR_NUM_THREADS: threads,
    OMP_WAIT_POLICY: "PASSIVE",
  };
}

/** The task YAML's `limits`, in the sandbox's terms; fields it leaves out stay undefined (defaults: limits.ts). */
function taskLimits(spec: TaskSpec): SandboxLimits {
  const l = spec.config.limits;
  const out: SandboxLimits = {};
  if (l.memory_mb) out.memoryMb = l.memory_mb;
  if (l.cpu_seconds) out.cpuSeconds = l.cpu_seconds;
  if (l.max_processes) out.maxProcesses = l.max_processes;
  if (l.cpus) out.cpus = l.cpus;
  if (l.disk_mb) out.diskMb = l.disk_mb;
  if (l.tmp_mb) out.tmpMb = l.tmp_mb;
  return out;
}

/** The datasets cache inside the sandbox when the task loads Hub datasets of which we have offline copies. */
const HUB_CACHE = "/tmp/mlgym-hf-datasets";

/**
 * The offline copies of the Hub datasets the task's code loads (`mlgym data link`), each mounted read-only where a
 * datasets cache under /tmp keeps that dataset: /tmp is writable in the agent's view and in evaluations alike, for
 * the library's lock files (the local backend shows no mounts: there `load_dataset` finds no copy).
 */
function hubCopyMounts(spec: TaskSpec): Mount[] {
  return spec.datasets.flatMap((d) =>
    d.hubCopy
      ? [{ hostPath: d.hubCopy.hostDir, path: `${HUB_CACHE}/${d.hubCopy.cachePath}`, readOnly: true }]
      : [],
  );
}

/** With an offline copy, the Hub is off: `load_dataset` takes the copy instead of failing on the network. */
function hubCopyEnv(spec: TaskSpec): Record<string, string> {
  return spec.datasets.some((d) => d.hubCopy)
    ? { HF_DATASETS_CACHE: HUB_CACHE, HF_DATASETS_OFFLINE: "1", HF_HUB_OFFLINE: "1" }
    : {};
}
