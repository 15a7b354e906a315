## Search commands: matches in a directory, in a file, and files by name. Paths are printed as absolute paths.

# @yaml
# signature: search_dir <search_term> [<dir>]
# docstring: looks for <search_term> in every file under <dir> (the current directory by default) and lists the files that contain it with their number of matches
# arguments:
#   search_term:
#     type: string
#     description: the text to look for
#     required: true
#   dir:
#     type: string
#     description: the directory to search (the current directory by default)
#     required: false
search_dir() {
    if [ $# -lt 1 ] || [ $# -gt 2 ]; then
        echo "Usage: search_dir <search_term> [<dir>]"
        return
    fi
    local term="$1" dir="${2:-./}"
    if [ ! -d "$dir" ]; then
        echo "Directory $dir not found"
        return
    fi
    dir=$(realpath -- "$dir")
    # grep -c prints "path:count" for every text file; hidden paths and binary files are skipped.
    local matches
    matches=$(find "$dir" -type f ! -path '*/.*' -exec grep -cIH -- "$term" {} + 2>/dev/null |
        awk '{ i = match($0, /:[0-9]+$/); n = substr($0, i + 1) + 0; if (n > 0) print substr($0, 1, i - 1) "\t" n }' |
        LC_ALL=C sort)
    if [ -z "$matches" ]; then
        echo "No matches found for \"$term\" in $dir"
        return
    fi
    local files total
    files=$(printf '%s\n' "$matches" | awk 'END { print NR }')
    if [ "$files" -gt 100 ]; then
        echo "More than $files files matched for \"$term\" in $dir. Please narrow your search."
        return
    fi
    total=$(printf '%s\n' "$matches" | awk -F '\t' '{ s += $NF } END { print s }')
    echo "Found $total matches for \"$term\" in $dir:"
    printf '%s\n' "$matches" | awk -F '\t' '{ print $1 " (" $2 " matches)" }'
    echo "End of matches for \"$term\" in $dir"
}

# @yaml
# signature: search_file <search_term> [<file>]
# docstring: looks for <search_term> in <file> (the file open in the editor by default) and lists the matching lines
# arguments:
#   search_term:
#     type: string
#     description: the text to look for
#     required: true
#   file:
#     type: string
#     description: the file to search (the file open in the editor by default)
#     required: false
search_file() {
    if [ -z "$1" ]; then
        echo "Usage: search_file <search_term> [<file>]"
        return
    fi
    local term="$1" file
    if [ -n "$2" ]; then
        if [ ! -f "$2" ]; then
            echo "Usage: search_file <search_term> [<file>]"
            echo "Error: File name $2 not found. Please provide a valid file name."
            return
        fi
        file="$2"
    elif [ -z "$CURRENT_FILE" ]; then
        echo "No file open. Use the open command first."
        return
    else
        file="$CURRENT_FILE"
    fi
    file=$(realpath -- "$file")
    local matches count
    matches=$(grep -nI -- "$term" "$file")
    if [ -z "$matches" ]; then
        echo "No matches found for \"$term\" in $file"
        return
    fi
    count=$(printf '%s\n' "$matches" | awk 'END { print NR }')
    if [ "$count" -gt 100 ]; then
        echo "More than $count lines matched for \"$term\" in $file. Please narrow your search."
        return
    fi
    echo "Found $count matches for \"$term\" in $file:"
    printf '%s\n' "$matches" | awk '{ print "Line " $0 }'
    echo "End of matches for \"$term\" in $file"
}

# @yaml
# signature: find_file <file_name> [<dir>]
# docstring: lists the files named <file_name> (shell wildcards allowed) under <dir> (the current directory by default)
# arguments:
#   file_name:
#     type: string
#     description: the file name or wildcard pattern to look for
#     required: true
#   dir:
#     type: string
#     description: the directory to search (the current directory by default)
#     required: false
find_file() {
    if [ $# -lt 1 ] || [ $# -gt 2 ]; then
        echo "Usage: find_file <file_name> [<dir>]"
        return
    fi
    local name="$1" dir="${2:-./}"
    if [ ! -d "$dir" ]; then
        echo "Directory $dir not found"
        return
    fi
    dir=$(realpath -- "$dir")
    local matches count
    matches=$(find "$dir" -type f -name "$name" 2>/dev/null | LC_ALL=C sort)
    if [ -z "$matches" ]; then
        echo "No matches found for \"$name\" in $dir"
        return
    fi
    count=$(printf '%s\n' "$matches" | awk 'END { print NR }')
    echo "Found $count matches for \"$name\" in $dir:"
    printf '%s\n' "$matches"
}
