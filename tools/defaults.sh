## File viewer: CURRENT_FILE (absolute path), CURRENT_LINE (centre of the window), WINDOW and OVERLAP.
## Doc blocks start with "# @yaml"; other top-level comments start with "##" so doc parsers skip them.

## Prints the window around CURRENT_LINE: header, "(k more lines above)", "n:text" lines, "(k more lines below)".
## The arithmetic is done in floating point (awk), like the original's jq: WINDOW/2 may be x.5.
_print() {
    F="$CURRENT_FILE" awk -v c="$CURRENT_LINE" -v w="$WINDOW" '
        function floor(x) { return (x == int(x) || x > 0) ? int(x) : int(x) - 1 }
        function round(x) { return x >= 0 ? int(x + 0.5) : -int(-x + 0.5) }
        BEGIN { last = floor(c + w / 2 > w / 2 ? c + w / 2 : w / 2) }
        NR <= last { buf[NR] = $0; delete buf[NR - w] }
        END {
            n = NR
            printf "[File: %s (%d lines total)]\n", ENVIRON["F"], n
            above = floor(c - w / 2)
            if (above > 0) printf "(%d more lines above)\n", above
            end = last < n ? last : n
            for (i = (end - w + 1 > 1 ? end - w + 1 : 1); i <= end; i++) printf "%d:%s\n", i, buf[i]
            below = round(n - c - w / 2)
            if (below > 0) printf "(%d more lines below)\n", below
        }' "$CURRENT_FILE"
}

## Keeps CURRENT_LINE where a full window fits: between WINDOW/2 and (lines - WINDOW/2).
_constrain_line() {
    if [ -z "$CURRENT_FILE" ]; then
        echo "No file open. Use the open command first."
        return
    fi
    local total half=$((WINDOW / 2))
    total=$(awk 'END { print NR }' "$CURRENT_FILE")
    local line=$CURRENT_LINE
    if [ "$line" -gt $((total - half)) ]; then line=$((total - half)); fi
    if [ "$line" -lt "$half" ]; then line=$half; fi
    CURRENT_LINE=$line
}

## Counts consecutive scrolls (LAST_ACTION holds the previous action) and nudges towards search_file.
_scroll_warning_message() {
    SCROLL_COUNT=${SCROLL_COUNT:-0}
    if [ "$LAST_ACTION" != "scroll_up" ] && [ "$LAST_ACTION" != "scroll_down" ]; then
        SCROLL_COUNT=0
    fi
    SCROLL_COUNT=$((SCROLL_COUNT + 1))
    if [ "$SCROLL_COUNT" -ge "${WARN_AFTER_SCROLLING_TIMES:-3}" ]; then
        echo ""
        echo "WARNING: Scrolling many times in a row is very inefficient."
        echo "If you know what you are looking for, use \`search_file <pattern>\` instead."
        echo ""
    fi
}

## Centre of a window that shows line $1 near its top (a sixth of the window above it).
_window_centre() {
    local centre=$(($1 + WINDOW / 2 - WINDOW / 6))
    if [ "$centre" -lt 1 ]; then centre=1; fi
    echo "$centre"
}

# @yaml
# signature: open "<path>" [<line_number>]
# docstring: shows the file at <path> in the editor window; with <line_number>, the window is placed so that it shows that line
# arguments:
#   path:
#     type: string
#     description: path of the file to show
#     required: true
#   line_number:
#     type: integer
#     description: line to bring into view (without it the window starts at the first line)
#     required: false
open() {
    if [ -z "$1" ]; then
        echo 'Usage: open "<file>"'
        return
    fi
    if [ -d "$1" ]; then
        echo "Error: $1 is a directory. You can only open files. Use cd or ls to navigate directories."
        return
    fi
    if [ ! -f "$1" ]; then
        echo "File $1 not found"
        return
    fi
    if command -v file >/dev/null 2>&1 && [[ "$(file -b --mime-type -- "$1" 2>/dev/null)" == *image* ]]; then
        echo "Error: $1 is an image file. Current environment does not support image viewing."
        return
    fi
    local centre=$((WINDOW / 2))
    if [ -n "$2" ]; then
        if ! [[ $2 =~ ^[0-9]+$ ]]; then
            echo 'Usage: open "<file>" [<line_number>]'
            echo "Error: <line_number> must be a number"
            return
        fi
    fi
    if [ -n "$2" ]; then
        # As in the original, the size check applies only when a line number is given.
        if [ "$(wc -m <"$1")" -gt 20000 ]; then
            echo "The file is larger than 20000 characters, please use 'head -n NUM_LINES' to open it"
            return
        fi
        local line=$((10#$2)) total
        total=$(awk 'END { print NR }' "$1")
        if [ "$line" -gt "$total" ]; then
            echo "Warning: <line_number> ($line) is greater than the number of lines in the file ($total)"
            echo "Warning: Setting <line_number> to $total"
            centre=$total
        elif [ "$line" -lt 1 ]; then
            echo "Warning: <line_number> ($line) is less than 1"
            echo "Warning: Setting <line_number> to 1"
            centre=1
        else
            centre=$(_window_centre "$line")
        fi
    fi
    CURRENT_FILE=$(realpath -- "$1")
    CURRENT_LINE=$centre
    _constrain_line
    _print
}

# @yaml
# signature: goto <line_number>
# docstring: moves the editor window so that it shows <line_number>
# arguments:
#   line_number:
#     type: integer
#     description: the line to show
#     required: true
goto() {
    if [ $# -gt 1 ]; then
        echo "goto allows only one line number at a time."
        return
    fi
    if [ -z "$CURRENT_FILE" ]; then
        echo "No file open. Use the open command first."
        return
    fi
    if [ -z "$1" ]; then
        echo "Usage: goto <line>"
        return
    fi
    if ! [[ $1 =~ ^[0-9]+$ ]]; then
        echo "Usage: goto <line>"
        echo "Error: <line> must be a number"
        return
    fi
    local total
    total=$(awk 'END { print NR }' "$CURRENT_FILE")
    if [ $((10#$1)) -gt "$total" ]; then
        echo "Error: <line> must be less than or equal to $total"
        return
    fi
    CURRENT_LINE=$(_window_centre $((10#$1)))
    _constrain_line
    _print
}

# @yaml
# signature: scroll_down
# docstring: moves the editor window {WINDOW} lines down
scroll_down() {
    if [ -z "$CURRENT_FILE" ]; then
        echo "No file open. Use the open command first."
        return
    fi
    CURRENT_LINE=$((CURRENT_LINE + WINDOW - OVERLAP))
    _constrain_line
    _print
    _scroll_warning_message
}

# @yaml
# signature: scroll_up
# docstring: moves the editor window {WINDOW} lines up
scroll_up() {
    if [ -z "$CURRENT_FILE" ]; then
        echo "No file open. Use the open command first."
        return
    fi
    CURRENT_LINE=$((CURRENT_LINE - WINDOW + OVERLAP))
    _constrain_line
    _print
    _scroll_warning_message
}

# @yaml
# signature: create <filename>
# docstring: makes a new file with the given name and shows it in the editor
# arguments:
#   filename:
#     type: string
#     description: name of the file to make
#     required: true
create() {
    if [ -z "$1" ]; then
        echo "Usage: create <filename>"
        return
    fi
    if [ -e "$1" ]; then
        echo "Error: File '$1' already exists."
        open "$1"
        return
    fi
    printf '\n' >"$1"
    open "$1"
}
