import type { Command } from "commander";

/** `mlgym image build`: the task image of the docker and podman sandboxes. */
export function registerImage(program: Command): void {
  const image = program.command("image").description("the task image of the docker and podman sandboxes");
  image
    .command("build")
    .description(
      "build the task image (and its base, with debootstrap, where absent); cached unless --rebuild",
    )
    .option("--engine <engine>", "docker or podman (default: $MLGYM_CONTAINER_ENGINE, else docker)")
    .option("--rebuild", "rebuild the base and the image even where they exist")
    .option("--quiet", "print nothing but errors")
    .action(async (opts: { engine?: string; rebuild?: boolean; quiet?: boolean }) => {
      const { buildTaskImage } = await import("../../sandbox/image-build.js");
      const log = (line: string) => {
        if (!opts.quiet) process.stderr.write(`${line}\n`);
      };
      const built = await buildTaskImage({
        ...(opts.engine ? { engine: opts.engine } : {}),
        ...(opts.rebuild ? { rebuild: true } : {}),
        log,
      });
      const what = built.builtImage ? "built" : "already present";
      process.stdout.write(
        `${built.image}: ${what} (base ${built.base}${built.builtBase ? ", built" : ""})\n`,
      );
    });
}
