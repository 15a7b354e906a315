/** Fills `{name}` placeholders (Python str.format style: `{{`/`}}` are literal braces). Unknown names are errors. */
export function renderTemplate(template: string, values: Record<string, unknown>): string {
  return template.replace(/\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (match, name: string | undefined) => {
    if (match === "{{") return "{";
    if (match === "}}") return "}";
    if (name !== undefined && name in values) return String(values[name] ?? "");
    throw new RangeError(`unknown placeholder {${name}}; known: ${Object.keys(values).sort().join(", ")}`);
  });
}

/** Placeholders a template uses. */
export function placeholders(template: string): string[] {
  return [...template.replace(/\{\{|\}\}/g, "").matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]!);
}
