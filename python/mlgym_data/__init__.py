"""Host-side data tools of mlgym (run by the CLI with the managed runtime, never inside a sandbox)."""
