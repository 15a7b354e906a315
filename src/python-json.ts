// Python's json module writes NaN, Infinity and -Infinity as bare tokens, which JSON.parse rejects.
const TOKENS = /"(?:[^"\\]|\\.)*"|-?Infinity|NaN/g;
const MARK = "\u0000mlgym-number:";

/** Parses JSON as Python writes it: bare NaN / Infinity / -Infinity become the JavaScript numbers. */
export function parsePythonJson(text: string): unknown {
  if (!/NaN|Infinity/.test(text)) return JSON.parse(text);
  const marked = text.replace(TOKENS, (token) =>
    token.startsWith('"') ? token : JSON.stringify(MARK + token),
  );
  return JSON.parse(marked, (_key, value: unknown) =>
    typeof value === "string" && value.startsWith(MARK) ? Number(value.slice(MARK.length)) : value,
  );
}
