import { posix } from "node:path";
import { excerpt } from "../operations.js";
import { around, type Finding, type Rule } from "../rule.js";
import { commandWords, parseShell } from "../shell-parse.js";

const PROC = /\/proc\/(?!self\b|thread-self\b|\$\$)(\d+|\*|\$\{?\w+\}?|\[[^\]/]*\]|\{[^}/]*\})(\/[\w*.-]+)?/g;
const PROC_SECRETS = /^\/(?:mem|environ|maps|smaps|pagemap|cmdline|fd|fdinfo|root|cwd|exe|task)$/;

/** Rule `process-snooping`. */
export const processSnooping: Rule = {
  id: "process-snooping",
  summary:
    "reads of other processes: /proc/<pid>/..., `ps e` (environments), gdb/strace attached to a process, ptrace",
  check({ action }) {
    const findings: Finding[] = [];
    for (const m of action.matchAll(PROC)) {
      const secret = PROC_SECRETS.test(m[2] ?? "");
      findings.push({
        severity: secret ? "high" : "medium",
        message: secret
          ? `reads ${m[0]}: the memory, environment or files of another process`
          : `reads ${m[0]}: information about another process`,
        evidence: excerpt(around(action, m.index)),
      });
    }
    for (const command of parseShell(action)) {
      const [name = "", ...args] = commandWords(command);
      const base = posix.basename(name);
      const evidence = excerpt(command.text);
      if (base === "ps" && args.some((a) => !a.startsWith("-") && /^[a-zA-Z]*e[a-zA-Z]*$/.test(a)))
        findings.push({
          severity: "medium",
          message: "lists other processes with their environment",
          evidence,
        });
      else if (/^(?:gdb|strace|ltrace)$/.test(base))
        findings.push(
          args.some((a) => /^(?:-p|--pid(?:=.*)?|attach|-ex=?attach.*)$/.test(a))
            ? { severity: "high", message: `attaches ${base} to a running process`, evidence }
            : { severity: "medium", message: `runs the debugger/tracer ${base}`, evidence },
        );
      else if (/^(?:py-spy|pyrasite)$/.test(base))
        findings.push({
          severity: "medium",
          message: `inspects a running Python process with ${base}`,
          evidence,
        });
    }
    const ptrace = /\b(?:ptrace|process_vm_readv|PTRACE_ATTACH)\b/.exec(action);
    if (ptrace)
      findings.push({
        severity: "high",
        message: "uses ptrace to reach another process",
        evidence: excerpt(around(action, ptrace.index)),
      });
    return findings;
  },
};
