## The edit command (multi-line: its text comes on stdin, which the environment feeds with a heredoc).

# @yaml
# signature: |-
#   edit <start_line>:<end_line>
#   <replacement_text>
#   end_of_edit
# docstring: replaces lines <start_line> to <end_line> (both included) of the open file with <replacement_text>, which ends at a line holding only end_of_edit. The text is written exactly as given, so indent every line correctly. Python files are checked with flake8 afterwards; if the edit introduces errors it is undone and the errors are shown. Read them and change the command before trying again, since the same command fails the same way.
# end_name: end_of_edit
# arguments:
#   start_line:
#     type: integer
#     description: first line to replace
#     required: true
#   end_line:
#     type: integer
#     description: last line to replace (included)
#     required: true
#   replacement_text:
#     type: string
#     description: the text that takes the place of those lines
#     required: true
edit() {
    if [ -z "$CURRENT_FILE" ]; then
        echo 'No file open. Use the `open` command first.'
        return
    fi
    local range="$1:"
    local start_line="${range%%:*}"
    local rest="${range#*:}"
    local end_line="${rest%%:*}"
    if [ -z "$start_line" ] || [ -z "$end_line" ]; then
        echo "Usage: edit <start_line>:<end_line>"
        return
    fi
    if ! [[ $start_line =~ ^[0-9]+$ ]]; then
        echo "Usage: edit <start_line>:<end_line>"
        echo "Error: start_line must be a number"
        return
    fi
    if ! [[ $end_line =~ ^[0-9]+$ ]]; then
        echo "Usage: edit <start_line>:<end_line>"
        echo "Error: end_line must be a number"
        return
    fi
    local before=$((10#$start_line - 1))
    if [ "$before" -lt 0 ]; then before=0; fi
    _apply_edit edit "$before" $((10#$end_line)) "$before"
}
