/** What `validate` and `submit` announce to the environment. */
export type MarkerKind = "validation" | "submission";

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Matches the marker `validate`/`submit` print (`<<VALIDATION||<nonce>||VALIDATION>>`) anywhere in an output.
 * The nonce is a per-episode secret the environment puts in `$__MLGYM_EVAL_NONCE`, so printing the tools'
 * source or an old log never triggers an evaluation.
 */
export function markerPattern(kind: MarkerKind, nonce: string): RegExp {
  const word = kind === "validation" ? "VALIDATION" : "SUBMISSION";
  return new RegExp(`<<${word}\\|\\|${escapeRegExp(nonce)}\\|\\|${word}>>`);
}

/** The shell variable that holds the evaluation nonce. */
export const evalNonceVariable = "__MLGYM_EVAL_NONCE";
