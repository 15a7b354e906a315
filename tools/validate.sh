## validate prints the validation marker with the nonce the environment set for this episode, so printing this
## file's source (or any text without the nonce) never starts an evaluation.

# @yaml
# signature: validate
# docstring: evaluates your current submission file and reports its scores on the test set; the session goes on
validate() {
    echo "<<VALIDATION||${__MLGYM_EVAL_NONCE}||VALIDATION>>"
}
