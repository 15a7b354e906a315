import { spawnSync } from "node:child_process";
import type { Command } from "commander";

function tool(name: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${name}`]).status === 0;
}

/** `mlgym doctor`: which sandbox backends, limits and runtimes work on this machine, and why not. */
export function registerDoctor(program: Command): void {
  program
    .command("doctor")
    .description("report which sandbox backends and runtimes work on this machine")
    .option("--json", "print JSON")
    .option("--clean", "remove the containers of crashed runs (docker, podman) and stop")
    .action(async (opts: { json?: boolean; clean?: boolean }) => {
      if (opts.clean) {
        const { removeOrphans } = await import("../../sandbox/container-engine.js");
        for (const engine of ["docker", "podman"].filter(tool)) {
          const removed = await removeOrphans(engine).catch((error: Error) => {
            process.stderr.write(`mlgym doctor --clean: ${engine}: ${error.message}\n`);
            return [];
          });
          process.stdout.write(
            `${engine}: removed ${removed.length} orphaned container(s)${removed.length ? `: ${removed.join(", ")}` : ""}\n`,
          );
        }
        return;
      }
      const [
        { findPythonRuntime, runtimeDir },
        { listTaskRuntimes },
        { cgroupSupport },
        { limitSupport },
        { defaultBackendName, probeBackends, sandboxBackends },
      ] = await Promise.all([
        import("../../runtime/python-runtime.js"),
        import("../../runtime/task-runtime.js"),
        import("../../sandbox/cgroup.js"),
        import("../../sandbox/limit-support.js"),
        import("../../sandbox/registry.js"),
      ]);
      const backends = probeBackends();
      const cgroups = cgroupSupport();
      const limits = limitSupport();
      const runtime = findPythonRuntime();
      const report = {
        node: process.version,
        sandboxes: Object.fromEntries(
          Object.entries(sandboxBackends).map(([name, b]) => [
            name,
            { ...backends[name], description: b.description },
          ]),
        ),
        defaultSandbox: defaultBackendName(),
        limits: {
          cgroups: cgroups.version,
          ...Object.fromEntries(limits.map((l) => [l.key, l.how])),
          notEnforced: limits.filter((l) => !l.enforced).map((l) => l.key),
        },
        python: runtime
          ? { state: "ready", dir: runtime.dir, version: runtime.version }
          : { state: "not installed", dir: runtimeDir(), hint: "created on first use, or run `mlgym setup`" },
        // Tasks with `use_generic_conda: false` add their `requirements_path` in a runtime of their own.
        taskRuntimes: listTaskRuntimes(),
        tools: Object.fromEntries(["bash", "file", "prlimit", "bwrap"].map((t) => [t, tool(t)])),
      };
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        return;
      }
      const out: string[] = [`node ${report.node}`, "sandboxes:"];
      for (const [name, s] of Object.entries(report.sandboxes)) {
        out.push(
          `  ${s.ok ? "ok  " : "no  "} ${name.padEnd(6)} ${s.reason}${name === report.defaultSandbox ? " (default)" : ""}`,
        );
      }
      out.push(`limits (bwrap; cgroups ${cgroups.version}):`);
      for (const l of limits) out.push(`  ${l.enforced ? "ok  " : "no  "} ${l.label.padEnd(15)} ${l.how}`);
      out.push(
        report.python.state === "ready"
          ? `python runtime: ready (${report.python.version}) in ${report.python.dir}`
          : `python runtime: not installed yet (${report.python.dir}); it is created on first use or by \`mlgym setup\``,
      );
      const current = report.taskRuntimes.filter((t) => t.current);
      const outdated = report.taskRuntimes.filter((t) => !t.current);
      out.push(
        `task runtimes (use_generic_conda: false plus requirements_path): ${current.length ? [...new Set(current.map((t) => t.task))].join(", ") : "none yet"}; made on first use or by \`mlgym setup\``,
      );
      if (outdated.length > 0)
        out.push(
          `  outdated (older shared pins, unused; may be deleted): ${outdated.map((t) => t.dir).join(" ")}`,
        );
      const missing = Object.entries(report.tools).filter(([, ok]) => !ok);
      if (missing.length > 0) out.push(`missing tools: ${missing.map(([t]) => t).join(", ")}`);
      process.stdout.write(`${out.join("\n")}\n`);
    });
}
