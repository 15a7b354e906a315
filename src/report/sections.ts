import type { Interval } from "../metrics/bootstrap.js";
import { numpyRound, pythonFloatRepr } from "../metrics/rounding.js";
import { auditSection } from "./audit-section.js";
import type { ReportData } from "./build-report.js";
import type { Figure, SkippedFigure } from "./figures.js";
import { aupTable, ranksTable, scoresTable, type Table } from "./tables.js";

/** A piece of the human-readable report, rendered to Markdown and HTML alike. */
export type Block =
  | { kind: "text"; text: string }
  | { kind: "table"; table: Table }
  | { kind: "figure"; figure: Figure };

/** A titled section of the report. */
export interface Section {
  title: string;
  blocks: Block[];
}

const r3 = (x: number) => (Number.isFinite(x) ? pythonFloatRepr(numpyRound(x, 3)) : "");
const interval = (i: Interval | undefined) => (i ? `[${r3(i.low)}, ${r3(i.high)}]` : "");
const money = (x: number) => `$${x.toFixed(3)}`;
const MAX_LISTED_ISSUES = 100;

function scoreSections(data: ReportData): Section[] {
  const { scores } = data;
  const label = (id: string) => data.names.label(id);
  const aup = aupTable(scores, label);
  const range = scores.tauRange;
  const why =
    range.source === "benchmark"
      ? "the benchmark's fixed range, the same in every report so AUPs are comparable (`--tau-max` sets another)"
      : range.source === "flag"
        ? "set by `--tau-max`: compare AUPs only with reports of the same range"
        : "derived from these runs as the original does (`--tau-max auto`): AUPs of reports over other runs are not comparable";
  const blocks: Block[] = [
    {
      kind: "text",
      text: `${data.runCount} run folders under \`${data.root}\`; ${scores.tasks.length} tasks, ${scores.models.length} models. AUP integrates the performance profile over τ ∈ [0, ${range.max}] (${range.points} points): ${why}.`,
    },
  ];
  if (scores.best.aupInterval && scores.last.aupInterval && scores.bootstrap) {
    const header = aup[0] ?? [];
    const rows = aup.slice(1).map((row) => {
      const m = scores.methods.indexOf(row[0] ?? "");
      return [...row, interval(scores.best.aupInterval?.[m]), interval(scores.last.aupInterval?.[m])];
    });
    blocks.push({ kind: "table", table: [[...header, "Best AUP 95% CI", "Last AUP 95% CI"], ...rows] });
    blocks.push({
      kind: "text",
      text: `Intervals: ${scores.bootstrap.replicates} bootstrap replicates (seed ${scores.bootstrap.seed}) resampling each model's runs per task; the τ grid and the baseline stay fixed.`,
    });
  } else {
    blocks.push({ kind: "table", table: aup });
  }
  const sections: Section[] = [{ title: "AUP", blocks }];
  for (const kind of ["best", "last"] as const) {
    const table = scoresTable(scores, kind, label);
    const cis = scores[kind].scoreInterval;
    const withCi = cis
      ? table.map((row, t) =>
          t === 0
            ? row
            : row.map((cell, c) => (c >= 2 && cell ? `${cell} ${interval(cis[t - 1]?.[c - 2])}` : cell)),
        )
      : table;
    sections.push({
      title: kind === "best" ? "Best attempt scores" : "Last attempt (best submission) scores",
      blocks: [
        {
          kind: "text",
          text: `Priority metric per task; a model's score is the ${kind === "best" ? "best attempt" : "last attempt"} of its best run.${cis ? " Brackets: 95% bootstrap interval over runs (a best-of-runs score cannot exceed the observed best, so the interval shows how much it rests on the luckiest run)." : ""}`,
        },
        { kind: "table", table: withCi },
      ],
    });
  }
  const ranks = (["best", "last"] as const).map((kind) => {
    const table = ranksTable(scores, kind, label);
    return [[`${kind === "best" ? "Best" : "Last"}`, ...(table[0] ?? []).slice(1)], ...table.slice(-2)];
  });
  sections.push({
    title: "Rank aggregates",
    blocks: [
      {
        kind: "text",
        text: "Mean rank over tasks (the original labels it Plackett-Luce) and Borda count; full per-task ranks are in `best_ranks.csv` / `last_ranks.csv`.",
      },
      ...ranks.map((table): Block => ({ kind: "table", table })),
    ],
  });
  if (scores.comparisons.length > 0) {
    const header = [
      "A",
      "B",
      "kind",
      "A wins",
      "B wins",
      "ties",
      "AUP(A) − AUP(B)",
      "95% CI",
      "share of replicates A > B",
    ];
    const rows = scores.comparisons.flatMap((c) =>
      (["best", "last"] as const).map((kind) => {
        const p = c[kind];
        const share = p.shareABetter === undefined ? "" : p.shareABetter.toFixed(3);
        return [
          label(c.a),
          label(c.b),
          kind,
          String(p.wins),
          String(p.losses),
          String(p.ties),
          r3(p.aupDifference),
          interval(p.interval),
          share,
        ];
      }),
    );
    sections.push({ title: "Paired comparisons", blocks: [{ kind: "table", table: [header, ...rows] }] });
  }
  return sections;
}

function runSections(data: ReportData): Section[] {
  const { runs, scores } = data;
  const label = (id: string) => data.names.label(id);
  const usageRows = scores.models.map((model) => {
    const u = runs.usageByModel[model];
    if (!u) return [label(model)];
    const mean = u.runsWithCost > 0 ? money(u.cost / u.runsWithCost) : "";
    return [
      label(model),
      String(u.runs),
      String(u.runsWithCost),
      mean,
      u.runsWithCost > 0 ? money(u.cost) : "",
      String(u.tokensSent),
      String(u.tokensReceived),
      String(u.apiCalls),
    ];
  });
  const outcomeRows = scores.models.map((model) => {
    const o = runs.outcomesByModel[model];
    return [
      label(model),
      String(o?.runs ?? 0),
      String(o?.failed ?? 0),
      String(o?.infrastructure ?? 0),
      String(o?.incomplete ?? 0),
      String(o?.withTrajectory ?? 0),
    ];
  });
  const statusRows = Object.entries(runs.exitStatuses)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([status, n]) => [status, String(n)]);
  const sections: Section[] = [
    {
      title: "Outcomes",
      blocks: [
        {
          kind: "text",
          text: 'Failed = no usable attempt (the agent\'s failure). Infrastructure = ended because of the API or the sandbox (only counted here with `--include-infrastructure-failures`; see "Infrastructure failures"). Incomplete = scored but ended neither `submitted` nor `autosubmission (max_steps)` (needs the `.traj`).',
        },
        {
          kind: "table",
          table: [["Model", "runs", "failed", "infrastructure", "incomplete", "with .traj"], ...outcomeRows],
        },
        ...(statusRows.length > 0
          ? [{ kind: "table", table: [["Exit status", "runs"], ...statusRows] } as Block]
          : []),
      ],
    },
    {
      title: "Cost and tokens",
      blocks: [
        {
          kind: "text",
          text: "From `.traj` `info.model_stats` (the recorded `total_cost`, not a price table). Per model and task in `report.json`.",
        },
        {
          kind: "table",
          table: [
            [
              "Model",
              "runs",
              "runs with cost",
              "mean cost",
              "total cost",
              "tokens sent",
              "tokens received",
              "API calls",
            ],
            ...usageRows,
          ],
        },
      ],
    },
  ];
  return sections;
}

function issueSection(data: ReportData): Section {
  const counts = new Map<string, number>();
  for (const issue of data.issues) counts.set(issue.kind, (counts.get(issue.kind) ?? 0) + 1);
  const listed = data.issues.slice(0, MAX_LISTED_ISSUES).map((i) => [i.path, i.kind, i.message]);
  const blocks: Block[] = [
    {
      kind: "text",
      text:
        data.issues.length === 0
          ? "No problems found."
          : `${data.issues.length} notes; what they name was skipped.`,
    },
  ];
  if (data.issues.length > 0) {
    blocks.push({
      kind: "table",
      table: [["Kind", "count"], ...[...counts].map(([k, n]) => [k, String(n)])],
    });
    blocks.push({ kind: "table", table: [["Run folder", "kind", "note"], ...listed] });
    if (data.issues.length > MAX_LISTED_ISSUES)
      blocks.push({
        kind: "text",
        text: `… and ${data.issues.length - MAX_LISTED_ISSUES} more in report.json.`,
      });
  }
  return { title: "Skipped and partial runs", blocks };
}

/** Warnings first: coverage gaps, infrastructure failures, the τ range, notes on task YAMLs, skipped figures. */
function warningSection(data: ReportData, skipped: readonly SkippedFigure[]): Section | undefined {
  const lines = [...data.warnings, ...skipped.map((s) => `figure \`${s.name}\` skipped: ${s.reason}`)];
  if (lines.length === 0) return undefined;
  return { title: "Warnings", blocks: lines.map((text): Block => ({ kind: "text", text: `- ${text}` })) };
}

/** Runs that ended because of infrastructure: counts by kind and the runs, apart from the agent's failures. */
function infrastructureSection(data: ReportData): Section | undefined {
  const infra = data.infrastructure;
  if (!infra || infra.count === 0) return undefined;
  const listed = infra.runs.slice(0, MAX_LISTED_ISSUES);
  const blocks: Block[] = [
    {
      kind: "text",
      text: `${infra.count} runs ended because of infrastructure (model API unreachable, authentication, unknown model, sandbox), not because of the agent. ${infra.included ? "They are scored like the other runs (`--include-infrastructure-failures`)." : "They are left out of every score and table above; `--include-infrastructure-failures` scores them."}`,
    },
    {
      kind: "table",
      table: [["Kind", "runs"], ...Object.entries(infra.byKind).map(([k, n]) => [k, String(n)])],
    },
    {
      kind: "table",
      table: [
        ["Run folder", "model", "task", "kind", "message"],
        ...listed.map((r) => [r.path, data.names.label(r.model), r.taskId, r.kind, r.message]),
      ],
    },
  ];
  if (infra.count > listed.length)
    blocks.push({ kind: "text", text: `… and ${infra.count - listed.length} more in report.json.` });
  return { title: "Infrastructure failures", blocks };
}

/** The report's sections in reading order; figures go where they belong. */
export function reportSections(
  data: ReportData,
  figures: readonly Figure[],
  skipped: readonly SkippedFigure[] = [],
): Section[] {
  const figure = (name: string): Block[] =>
    figures.filter((f) => f.name === name).map((f) => ({ kind: "figure", figure: f }));
  const [aup, ...scoreRest] = scoreSections(data);
  const sections: Section[] = [];
  const warnings = warningSection(data, skipped);
  if (warnings) sections.push(warnings);
  if (aup)
    sections.push({
      ...aup,
      blocks: [...aup.blocks, ...figure("performance_profiles"), ...figure("aup_vs_cost")],
    });
  const audit = auditSection(data);
  if (audit) sections.push(audit);
  sections.push(...scoreRest, ...runSections(data));
  const infrastructure = infrastructureSection(data);
  if (infrastructure) sections.push(infrastructure);
  const analytics = [
    "outcomes_per_model",
    "outcomes_per_task",
    "exit_status_per_model",
    "exit_status_per_task",
    "actions_per_model",
    "actions_per_task",
  ].flatMap(figure);
  if (analytics.length > 0) sections.push({ title: "Failure and action analysis", blocks: analytics });
  const trails = figures
    .filter((f) => f.name.startsWith("score_trail_"))
    .map((f): Block => ({ kind: "figure", figure: f }));
  if (trails.length > 0) sections.push({ title: "Score over validations", blocks: trails });
  sections.push(issueSection(data));
  return sections;
}
