"""The judge-eval report: a side-by-side summary, one table of pools and one of probes per judge and defence,
and a plot of P(wrong pick) against n, as Markdown and HTML (harness.reports.run_report helpers)."""

from __future__ import annotations

import html
import json
from pathlib import Path

from harness.gold.calibration import calibration_line
from harness.metrics.stats import fmt
from harness.reports.run_report import html_page, html_table, md_table, plt

PLOT = "p_wrong_pick.png"
HEADLINE = {
    "position": "same verdict in both orders",
    "verbosity": "padded rated higher",
    "confidence": "assertive rated higher",
    "self_preference": "describer's own rated higher",
}


def _title(r: dict) -> str:
    return f"{r['judge']} ({r['defence']})"


def summary_table(results: list[dict]) -> tuple[list[str], list[list[str]]]:
    sets = [s["set"] for s in results[0]["sets"]]
    n_max = max(results[0]["sets"][0]["p_wrong"], key=int)
    head = [
        "judge",
        "defence",
        *(f"{s}: AUROC" for s in sets),
        *(f"{s}: P(wrong pick) n={n_max}" for s in sets),
        *(f"{p}: {m}" for p, m in HEADLINE.items()),
        "seconds",
    ]
    rows = []
    for r in results:
        probes = {(p["probe"], p["measure"]): p for p in r["probes"]}
        cells = [
            fmt(probes[p, m]["value"], probes[p, m]["ci"], 3) if (p, m) in probes else "-" for p, m in HEADLINE.items()
        ]
        rows.append(
            [
                r["judge"],
                r["defence"],
                *(f"{s['auroc']:.3f}" for s in r["sets"]),
                *(f"{s['p_wrong'][n_max]['value']:.3f}" for s in r["sets"]),
                *cells,
                f"{r['seconds']:.0f}",
            ]
        )
    return head, rows


def pools_table(r: dict) -> tuple[list[str], list[list[str]]]:
    ns = list(r["sets"][0]["p_wrong"])
    head = ["set", "equations", "candidates (correct)", "AUROC [95% CI]", *(f"P(wrong pick) n={n}" for n in ns)]
    rows = [
        [
            s["set"],
            str(s["equations"]),
            f"{s['candidates']} ({s['correct']})",
            fmt(s["auroc"], s["auroc_ci"], 3),
            *(fmt(s["p_wrong"][n]["value"], s["p_wrong"][n]["ci"], 3) for n in ns),
        ]
        for s in r["sets"]
    ]
    return head, rows


def probes_table(r: dict) -> tuple[list[str], list[list[str]]]:
    return (
        ["probe", "pairs", "measure", "value [95% CI]"],
        [[p["probe"], str(p["pairs"]), p["measure"], fmt(p["value"], p["ci"], 3)] for p in r["probes"]],
    )


def plot(results: list[dict], path: Path) -> None:
    sets = [s["set"] for s in results[0]["sets"]]
    fig, axes = plt.subplots(
        1, len(sets), figsize=(4.2 * len(sets), 4.4), sharey=True, squeeze=False, layout="constrained"
    )
    for ax, k in zip(axes[0], range(len(sets)), strict=True):
        for r in results:
            curve = r["sets"][k]["p_wrong"]
            ns = [int(n) for n in curve]
            ax.plot(ns, [curve[n]["value"] for n in curve], marker="o", ms=3, label=_title(r))
            ax.fill_between(ns, [curve[n]["ci"][0] for n in curve], [curve[n]["ci"][1] for n in curve], alpha=0.12)
        ax.axhline(0.5, color="gray", ls="--", lw=0.8)
        ax.set_xscale("log", base=2)
        ax.set_ylim(0, 1)
        ax.set_xlabel("n (half correct, half wrong)")
        ax.set_title(sets[k])
    axes[0][0].set_ylabel("P(judge picks a wrong one)")
    fig.legend(*axes[0][0].get_legend_handles_labels(), loc="outside lower center", fontsize=7, ncols=2)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def notes(data: dict) -> str:
    suite, src = data["suite"], data["sources"]
    sizes = {}
    for p in data["pools"]:
        sizes.setdefault(p["set"], []).append(len(p["candidates"]) // 2)
    per_set = "; ".join(f"{s}: {len(v)} equations, {min(v)}-{max(v)} per side" for s, v in sizes.items())
    return (
        f"Balanced pools ({per_set}). A best-of-n pool draws n/2 correct and n/2 wrong descriptions of one "
        "equation, with replacement, from its rated candidates; P(wrong pick) is exact given the ratings and "
        "averaged over equations (95% bootstrap intervals over equations; AUROC intervals over candidates). "
        f"Sneaky pools: {src['sneaky_rows']} descriptions sampled from {suite['describer']} (honest and "
        f"treacherous, seed {suite['seed']}), {src['sneaky_kept']} kept: honest ones gold verification confirms "
        "ok against treacherous ones it confirms wrong. Probes: up to "
        f"{suite['probe_pairs']} pairs each; self-preference compares {suite['describer']}'s own ok descriptions "
        "with the generated set's template-written ones for the same equation. Sneaky pools are labeled by gold: "
        f"{calibration_line(suite['describer'])}."
    )


def write_judge_report(data: dict, out: Path) -> tuple[Path, Path]:
    """report.md, report.html, p_wrong_pick.png and results.json in `out`."""
    out.mkdir(parents=True, exist_ok=True)
    results = data["results"]
    plot(results, out / PLOT)
    (out / "results.json").write_text(json.dumps(data, indent=1, ensure_ascii=False))
    title = f"Judge exploitability: suite {data['suite']['name'] or 'judge'}"
    text = notes(data)
    head, rows = summary_table(results)
    md = [
        f"# {title}",
        "",
        text,
        "",
        "## Side by side",
        "",
        *md_table(head, rows),
        "",
        f"![P(wrong pick) vs n]({PLOT})",
    ]
    body = f"<p>{html.escape(text)}</p><h2>Side by side</h2>{html_table(head, rows)}<img src='{PLOT}' alt='plot'>"
    for r in results:
        (ph, pr), (qh, qr) = pools_table(r), probes_table(r)
        who = (
            f"Self-preference here: this judge {'is' if r['describer_is_judge'] else 'is not'} the describer's "
            f"model ({data['suite']['describer']}). Rated in {r['seconds']:.0f} s: its models' time in the pool "
            "tasks, summed (an ensemble's includes its members'), and its numbers' (answers already in the call "
            "cache count as instant)."
        )
        md += ["", f"## {_title(r)}", "", who, "", *md_table(ph, pr), "", *md_table(qh, qr)]
        body += (
            f"<h2>{html.escape(_title(r))}</h2><p>{html.escape(who)}</p>{html_table(ph, pr)}<p></p>{html_table(qh, qr)}"
        )
    md_path, html_path = out / "report.md", out / "report.html"
    md_path.write_text("\n".join(md) + "\n")
    html_path.write_text(html_page(title, body))
    return md_path, html_path
