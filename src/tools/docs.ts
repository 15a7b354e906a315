import type { CommandDef } from "./command-file.js";

/** How command docs are rendered, named after the original's parser classes. */
export type DocStyle = "ParseCommandBash" | "ParseCommandDetailed";

/** Every doc style, for validating configuration values. */
export const docStyles: readonly DocStyle[] = ["ParseCommandBash", "ParseCommandDetailed"];

/** Replaces `{NAME}` with the value of the env variable NAME; other braces are left alone. */
export function substituteVariables(text: string, variables: Record<string, string>): string {
  return text.replace(/\{([A-Za-z_]\w*)\}/g, (whole, name: string) =>
    Object.hasOwn(variables, name) ? variables[name]! : whole,
  );
}

/**
 * Renders the `{command_docs}` text of the system prompt: one `signature - docstring` line per documented
 * command (`ParseCommandBash`), or a `name:` block with docstring, signature and arguments (`ParseCommandDetailed`).
 */
export function renderDocs(
  commands: CommandDef[],
  style: DocStyle,
  variables: Record<string, string> = {},
): string {
  const documented = commands.filter((c) => c.docstring !== undefined && !c.name.startsWith("_"));
  if (style === "ParseCommandBash") {
    return documented
      .map((c) => `${c.signature ?? c.name} - ${substituteVariables(c.docstring!, variables)}\n`)
      .join("");
  }
  return documented.map((c) => `${detailedBlock(c, variables)}\n`).join("");
}

function detailedBlock(command: CommandDef, variables: Record<string, string>): string {
  const lines = [
    `${command.name}:`,
    `  docstring: ${substituteVariables(command.docstring!, variables)}`,
    `  signature: ${command.signature ?? command.name}`,
  ];
  const args = Object.entries(command.arguments ?? {});
  if (args.length > 0) {
    lines.push("  arguments:");
    for (const [name, spec] of args) {
      const need = spec.required ? "required" : "optional";
      lines.push(`    - ${name} (${spec.type}) [${need}]: ${spec.description}`);
    }
  }
  return `${lines.join("\n")}\n`;
}
