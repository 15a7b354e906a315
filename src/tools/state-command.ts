/** A bash function run after every step; it prints one JSON object whose keys become prompt placeholders. */
export interface StateCommand {
  name: string;
  /** Bash source that defines the function. */
  code: string;
}

/**
 * The benchmark's state command: `{"open_file": "<path or n/a>", "working_dir": "<$PWD>"}`. CURRENT_FILE is
 * already a real path (open and create resolve it), so no process is started; the values are JSON-escaped.
 */
export const defaultStateCommand: StateCommand = {
  name: "state",
  code: `state() {
    local open_file="\${CURRENT_FILE:-n/a}" working_dir="$PWD" __var __value
    for __var in open_file working_dir; do
        __value="\${!__var}"
        __value="\${__value//\\\\/\\\\\\\\}"
        __value="\${__value//\\"/\\\\\\"}"
        __value="\${__value//$'\\n'/\\\\n}"
        __value="\${__value//$'\\t'/\\\\t}"
        printf -v "$__var" '%s' "$__value"
    done
    printf '{"open_file": "%s", "working_dir": "%s"}\\n' "$open_file" "$working_dir"
}`,
};
