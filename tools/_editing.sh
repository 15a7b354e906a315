## Shared machinery of edit and insert: rewrite the open file, lint it with flake8, roll back on new errors.

## True when the file may be written: access(2) says so (false on read-only mounts) and some write bit is set
## (access(2) alone says yes to root even for a chmod 444 file).
_is_writable() {
    [ -w "$1" ] && [ -n "$(find "$1" -maxdepth 0 -perm /222 2>/dev/null)" ]
}

## flake8 with the error classes that mean "this edit broke the file"; empty output when flake8 is unavailable.
## _lint <file> [<content-from>]: with a second argument, lints that file's content but reports it as <file>.
_lint() {
    command -v flake8 >/dev/null 2>&1 || return 0
    local select="--select=F821,F822,F831,E111,E112,E113,E999,E902"
    if [ -n "$2" ]; then
        flake8 --isolated "$select" --stdin-display-name="$1" - <"$2" 2>&1
    else
        flake8 --isolated "$select" "$1" 2>&1
    fi
}

## _apply_edit <command> <kept_before> <resume_at> <line_after_success>
## Replaces the open file's lines kept_before+1 .. resume_at (1-based) with stdin: the old lines 1..kept_before,
## then the new text, then the old lines from resume_at+1. Python files whose lint gains errors are restored.
_apply_edit() {
    local command="$1" before="$2" resume="$3" success_line="$4"
    local noun="$command" args="start/end line arguments"
    if [ "$command" = insert ]; then
        noun=insertion args="line number argument"
    fi
    if [ ! -f "$CURRENT_FILE" ]; then
        echo "File $CURRENT_FILE not found"
        return 1
    fi
    if ! _is_writable "$CURRENT_FILE"; then
        echo "Error: You cannot edit read-only file $CURRENT_FILE"
        return 1
    fi
    local new_text=() lines=()
    mapfile -t new_text
    mapfile -t lines <"$CURRENT_FILE"
    local count=${#new_text[@]} lint_after="" errors=""
    local backup
    backup=$(mktemp "${TMPDIR:-/tmp}/mlgym-edit-backup.XXXXXX") || return 1
    cat -- "$CURRENT_FILE" >"$backup"
    printf '%s\n' "${lines[@]:0:before}" "${new_text[@]}" "${lines[@]:resume}" >|"$CURRENT_FILE"
    # A clean result needs no comparison; otherwise the original (the backup) is linted to tell old errors from new.
    if [[ "$CURRENT_FILE" == *.py ]]; then
        lint_after=$(_lint "$CURRENT_FILE")
        if [ -n "$lint_after" ]; then
            errors=$(_split_string "$lint_after" "$(_lint "$CURRENT_FILE" "$backup")" $((before + 1)) "$resume" "$count")
        fi
    fi
    if [ -z "$errors" ]; then
        rm -f -- "$backup"
        CURRENT_LINE=$success_line
        _constrain_line
        _print
        echo "File updated. Please review the changes and make sure they are correct (correct indentation, no duplicate lines, etc). Edit the file again if necessary."
        return
    fi
    local saved_line=$CURRENT_LINE saved_window=$WINDOW ruler="-------------------------------------------------"
    echo "Your proposed $noun has introduced new syntax error(s). Please read this error message carefully and then retry editing the file."
    echo ""
    echo "ERRORS:"
    echo "$errors"
    echo ""
    echo "This is how your $noun would have looked if applied"
    echo "$ruler"
    CURRENT_LINE=$((before + count / 2))
    WINDOW=$((count + 10))
    _constrain_line
    _print
    echo "$ruler"
    echo ""
    cat -- "$backup" >|"$CURRENT_FILE"
    rm -f -- "$backup"
    echo "This is the original code before your $noun"
    echo "$ruler"
    CURRENT_LINE=$(((resume - before + 1) / 2 + before))
    WINDOW=$((resume - before + 10))
    _constrain_line
    _print
    echo "$ruler"
    CURRENT_LINE=$saved_line
    WINDOW=$saved_window
    echo "Your changes have NOT been applied. Please fix your $command command and try again."
    echo "You either need to 1) Specify the correct $args or 2) Correct your $noun code."
    echo "DO NOT re-run the same failed $command command. Running it again will lead to the same error."
}
