## The insert command (multi-line: its text comes on stdin, which the environment feeds with a heredoc).

# @yaml
# signature: |-
#   insert <line_number>
#   <text_to_add>
#   end_of_insert
# docstring: adds <text_to_add> after line <line_number> of the open file (0 adds it at the top); the text ends at a line holding only end_of_insert. The text is written exactly as given, so indent every line correctly. Python files are checked with flake8 afterwards; if the insertion introduces errors it is undone and the errors are shown. Read them and change the command before trying again.
# end_name: end_of_insert
# arguments:
#   line_number:
#     type: integer
#     description: the line after which the text goes
#     required: true
#   text_to_add:
#     type: string
#     description: the text to add
#     required: true
insert() {
    if [ -z "$CURRENT_FILE" ]; then
        echo 'No file open. Use the `open` command first.'
        return
    fi
    if [ -z "$1" ]; then
        echo "Usage: insert <line_number>"
        return
    fi
    if ! [[ $1 =~ ^[0-9]+$ ]]; then
        echo "Usage: insert <line_number>"
        echo "Error: line_number must be a number"
        return
    fi
    local after=$((10#$1))
    _apply_edit insert "$after" "$after" $((after + 1))
}
