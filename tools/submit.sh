## submit prints the submission marker with the nonce the environment set for this episode, so printing this
## file's source (or any text without the nonce) never ends the episode.

# @yaml
# signature: submit
# docstring: hands in your current solution for the final evaluation and ends the session
submit() {
    echo "<<SUBMISSION||${__MLGYM_EVAL_NONCE}||SUBMISSION>>"
}
