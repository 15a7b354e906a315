import type { Interval } from "../metrics/bootstrap.js";
import { numpyRound, pythonFloatRepr } from "../metrics/rounding.js";
import { auditSection } from "./audit-section.js";
import type { ReportData } from "./build-report.js";
import type { Figure } from "./figures.js";
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
  const aup = aupTable(scores);
  const blocks: Block[] = [
    {
      kind: "text",
      text: `${data.runCount} run folders under \`${data.root}\`; ${scores.tasks.length} tasks, ${scores.models.length} models. AUP integrates the performance profile over τ ∈ [0, ${scores.taus.at(-1)}] (${scores.taus.length} points).`,
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
    const table = scoresTable(scores, kind);
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
    const table = ranksTable(scores, kind);
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
          c.a,
          c.b,
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
  const usageRows = scores.models.map((model) => {
    const u = runs.usageByModel[model];
    if (!u) return [model];
    const mean = u.runsWithCost > 0 ? money(u.cost / u.runsWithCost) : "";
    return [
      model,
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
      model,
      String(o?.runs ?? 0),
      String(o?.failed ?? 0),
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
          text: "Failed = no usable attempt. Incomplete = scored but ended neither `submitted` nor `autosubmission (max_steps)` (needs the `.traj`).",
        },
        { kind: "table", table: [["Model", "runs", "failed", "incomplete", "with .traj"], ...outcomeRows] },
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

/** The report's sections in reading order; figures go where they belong. */
export function reportSections(data: ReportData, figures: readonly Figure[]): Section[] {
  const figure = (name: string): Block[] =>
    figures.filter((f) => f.name === name).map((f) => ({ kind: "figure", figure: f }));
  const [aup, ...scoreRest] = scoreSections(data);
  const sections: Section[] = [];
  if (aup)
    sections.push({
      ...aup,
      blocks: [...aup.blocks, ...figure("performance_profiles"), ...figure("aup_vs_cost")],
    });
  const audit = auditSection(data);
  if (audit) sections.push(audit);
  sections.push(...scoreRest, ...runSections(data));
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
