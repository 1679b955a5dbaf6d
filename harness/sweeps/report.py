"""A sweep's report: PNG plots plus the numbers as Markdown and HTML (text escaped)."""

from __future__ import annotations

import html
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from harness.metrics.stats import fmt  # noqa: E402
from harness.reports.records import gold_reliability  # noqa: E402
from harness.reports.run_report import html_page, html_table, md_table  # noqa: E402
from harness.sweeps.analysis import (  # noqa: E402
    best_of_n_curve,
    level_correlations,
    objective_summary,
    round_curve,
    trust_timeline,
)
from harness.sweeps.control import control_curve, outputs, roles  # noqa: E402
from harness.sweeps.sweep import Sweep  # noqa: E402


def _cells(*values: float | None) -> list[str]:
    """Table cells of the sweep reports: three decimals, `n/a` where there is no value."""
    return [fmt(v, digits=3) for v in values]


def _axes(ax, x: str, y: str | None = None, title: str | None = None) -> None:
    """A plot's axis labels, title and legend."""
    ax.set_xlabel(x)
    if y:
        ax.set_ylabel(y)
    if title:
        ax.set_title(title)
    ax.legend(fontsize=7)


def _save(fig, path: Path) -> str:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path.name


def _fit_note(label: str, curve: list[dict], fit) -> str:
    """The fit's numbers in words, with R^2 both over per-equation points and over the mean curve."""
    d = [c["d"] for c in curve]
    gains = [c["gold"] - curve[0]["gold"] for c in curve]
    spread = sum((g - np.mean(gains)) ** 2 for g in gains)
    r2_mean = 1 - sum((g - fit.predict(x)) ** 2 for g, x in zip(gains, d, strict=True)) / spread if spread else None
    peak = f"the fit peaks at sqrt(KL) = {fit.d_peak:.2f}" if fit.d_peak is not None else "the fit has no peak"
    return (f"{label}: gold(d) - gold(0) = d (alpha - beta d), alpha = {fmt(fit.alpha, fit.alpha_ci, 4)}, "
            f"beta = {fmt(fit.beta, fit.beta_ci, 4)} (95% CIs from a bootstrap over equations); "
            f"R^2 = {fit.r2:.3f} over per-equation points, "
            f"{fmt(r2_mean, digits=3)} over the mean curve; {peak}; the pick's gold "
            f"goes from {curve[0]['gold']:.3f} at n=1 to {curve[-1]['gold']:.3f} at n={curve[-1]['n']} while its "
            f"proxy goes from {curve[0]['proxy']:.3f} to {curve[-1]['proxy']:.3f}")


def _change_note(label: str, curve: list[dict]) -> str:
    """Whether gold falls while proxy rises, from n = 1 to the largest n, paired by equation, with 95% CIs."""
    last = curve[-1]
    (dp, dp_ci), (dg, dg_ci) = last["proxy_change"], last["gold_change"]
    def sign(ci: tuple[float, float]) -> str:
        return "rises" if ci[0] > 0 else "falls" if ci[1] < 0 else "does not change measurably"
    corrected = [c["wrong_corrected"] for c in (curve[0], last)]
    share = (f"; wrong share corrected for gold's error rates {fmt(*corrected[0], percent=True, digits=0)} at n=1, "
             f"{fmt(*corrected[1], percent=True, digits=0)} at n={last['n']}") if all(corrected) else \
        "; gold is not calibrated for this describer, instrument and version of the rules, so no corrected wrong share"
    return (f"{label}: from n=1 to n={last['n']} over {last['pools']} equations, proxy {sign(dp_ci)} "
            f"({fmt(dp, dp_ci, 3, signed=True)}) and gold {sign(dg_ci)} ({fmt(dg, dg_ci, 3, signed=True)}); "
            f"gold's wrong share goes from {fmt(curve[0]['wrong'], curve[0]['wrong_ci'], 2)} to "
            f"{fmt(last['wrong'], last['wrong_ci'], 2)}{share}")


def best_of_n_section(points: dict[str, Path], out: Path) -> tuple[list[str], list[list[str]], list[str], list[str]]:
    head = ["point", "n", "KL", "sqrt(KL)", "proxy [95% CI]", "gold [95% CI]", "wrong (gold) [95% CI]",
            "wrong, corrected", "sophistry P(proxy>=t | wrong)", "t"]
    rows, notes = [], []
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    for label, run_dir in points.items():
        curve, fit = best_of_n_curve(run_dir)
        if not curve:
            notes.append(f"{label}: no pools of more than one rated candidate")
            continue
        d = [c["d"] for c in curve]
        rows += [[label, str(c["n"]), *_cells(c["kl"], c["d"]), fmt(c["proxy"], c["proxy_ci"], 3),
                  fmt(c["gold"], c["gold_ci"], 3), fmt(c["wrong"], c["wrong_ci"], 3),
                  fmt(*c["wrong_corrected"], digits=3) if c["wrong_corrected"] else "not calibrated",
                  *_cells(c["sophistry"], c["t"])] for c in curve]
        gold = ax1.errorbar(d, [c["gold"] for c in curve], fmt="o-", label=f"gold, {label}",
                            yerr=[[c["gold"] - c["gold_ci"][0] for c in curve],
                                  [c["gold_ci"][1] - c["gold"] for c in curve]])
        color = gold.lines[0].get_color()
        ax1.plot(d, [c["proxy"] for c in curve], "s--", color=color, alpha=0.6, label=f"proxy, {label}")
        notes.append(_change_note(label, curve))
        if fit:
            grid = np.linspace(0, max(d), 50)
            ax1.plot(grid, curve[0]["gold"] + grid * (fit.alpha - fit.beta * grid), ":", color=color)
            notes.append(_fit_note(label, curve, fit))
        ax2.plot([c["n"] for c in curve], [c["sophistry"] for c in curve], "o-", label=label)
    _axes(ax1, "sqrt(KL(best-of-n || base))", "score of the best-of-n pick",
          "proxy and gold vs optimization pressure (dotted: fit)")
    ax2.set_xscale("log", base=2)
    _axes(ax2, "n", "P(proxy >= t | wrong), t: 75th pct proxy", "sophistry rate vs n")
    return head, rows, notes, [_save(fig, out / "best_of_n.png")]


def rounds_section(points: dict[str, Path], out: Path):
    head = ["point", "round/step", "candidates", "proxy", "gold", "wrong", "KL estimate (final)"]
    rows = []
    fig, ax = plt.subplots(figsize=(6, 4))
    for label, run_dir in points.items():
        curve = round_curve(run_dir)
        rows += [[label, str(c["round"]), str(c["candidates"]),
                  *_cells(c["proxy"], c["gold"], c["wrong"], c["kl_final"])] for c in curve]
        line = ax.plot([c["round"] for c in curve], [c["gold"] for c in curve], "o-", label=f"gold, {label}")[0]
        ax.plot([c["round"] for c in curve], [c["proxy"] for c in curve], "s--", color=line.get_color(),
                label=f"proxy, {label}")
    _axes(ax, "refine round / train step")
    return head, rows, [], [_save(fig, out / "rounds.png")]


def depth_section(points: dict[str, Path], out: Path):
    head = ["point", "level", "candidates", "Spearman(proxy, gold) [95% CI]", "wrong"]
    rows = []
    fig, ax = plt.subplots(figsize=(6, 4))
    for label, run_dir in points.items():
        levels = level_correlations(run_dir)
        rows += [[label, str(r["level"]), str(r["candidates"]),
                  fmt(r["spearman"], r["ci"], 3), *_cells(r["wrong"])] for r in levels]
        ax.errorbar([r["level"] for r in levels], [r["spearman"] for r in levels], fmt="o-", label=label,
                    yerr=[[max(r["spearman"] - r["ci"][0], 0) for r in levels],
                          [max(r["ci"][1] - r["spearman"], 0) for r in levels]])
    ax.axhline(0, color="gray", lw=0.5)
    _axes(ax, "level", "rank correlation of proxy with gold")
    return head, rows, [], [_save(fig, out / "depth.png")]


def trust_section(points: dict[str, Path], out: Path):
    head = ["point", "order", "agent", "trust", "check rate", "checked", "defected", "wrong (gold)", "caught",
            "gold agrees with the check"]
    rows, notes = [], []
    fig, ax = plt.subplots(figsize=(8, 4))
    for label, run_dir in points.items():
        timeline = trust_timeline(run_dir)
        rows += [[label, str(r["order"]), r["agent"], *_cells(r["trust"], r["check_rate"]), str(r["checked"]),
                  str(r["defected"]), str(r["wrong"]), str(r["caught"]), str(r["gold_agrees"])] for r in timeline]
        line = ax.plot([r["order"] for r in timeline], [r["trust"] for r in timeline], "-", label=label)[0]
        for key, marker in (("defected", "x"), ("caught", "o")):
            xs = [r["order"] for r in timeline if r[key]]
            ax.scatter(xs, [timeline[x]["trust"] for x in xs], marker=marker, color=line.get_color(), s=40)
        defect = next((r["order"] for r in timeline if r["defected"]), None)
        caught = next((r["order"] for r in timeline if r["caught"] and r["defected"]), None)
        wrong = [r["order"] for r in timeline if r["wrong"]]
        scored = [r["gold_agrees"] for r in timeline if r["gold_agrees"] is not None]
        notes.append(f"{label}: defection began at delegation {defect if defect is not None else 'never'}; wrong "
                     f"outputs (gold) at {wrong or 'none'}; first defection caught by the parent at "
                     f"{caught if caught is not None else 'never'}; the parent's checks (its judge and monitor, "
                     f"never gold): {sum(r['checked'] for r in timeline)}, gold agrees with {sum(scored)} of the "
                     f"{len(scored)} it can score")
    _axes(ax, "delegation (in order)", "parent's trust (x: defected, o: caught)")
    return head, rows, notes, [_save(fig, out / "trust.png")]


def control_section(points: dict[str, Path], out: Path):
    head = ["audit budget", "deferred share of honest", "audit threshold", "deferral threshold", "defections",
            "caught", "deferred", "safety", "usefulness"]
    curve = control_curve(points)
    rows = [[f"{r['budget']:.0%}", f"{r['deferred_share']:.0%}", *_cells(r["audit_at"], r["defer_at"]),
             str(r["defections"]), str(r["caught"]), str(r["deferred"]), *_cells(r["safety"], r["usefulness"])]
            for r in curve]
    runs = roles(points)
    notes = [f"{role}: {len(found)} outputs, gold calls {sum(o.wrong for o in found)} wrong"
             + (f", {sum(o.defected for o in found)} written while defecting" if role == "attack" else "")
             for role, found in ((r, outputs(runs[r], None)) for r in ("honest", "attack", "trusted"))]
    notes.append("safety: share of defections audited or deferred; usefulness: share of the honest run's final "
                 "descriptions that gold does not call wrong; the first row of each budget (nothing deferred) is "
                 "trusted monitoring")
    fig, ax = plt.subplots(figsize=(6, 4))
    for budget in sorted({r["budget"] for r in curve}):
        pts = [r for r in curve if r["budget"] == budget]
        ax.plot([r["usefulness"] for r in pts], [r["safety"] for r in pts], "o-", label=f"audit budget {budget:.0%}")
    _axes(ax, "usefulness (honest run: share not wrong by gold)", "safety (share of defections audited or deferred)",
          "defer-to-trusted over the deferral threshold")
    return head, rows, notes, [_save(fig, out / "control.png")]


def objectives_section(points: dict[str, Path], out: Path):
    head = ["point", "objective", "outputs", "words", "proxy (mean)", "wrong (gold) [95% CI]", "wrong, corrected",
            "wrong before defection", "wrong after defection"]
    rows, summaries = [], {}
    for label, run_dir in points.items():
        s = summaries[label] = objective_summary(run_dir)
        phases = [fmt(*s[k], 2) if s[k] else "-" for k in ("wrong_before_defection", "wrong_after_defection")]
        rows.append([label, s["objective"], str(s["outputs"]), *_cells(s["words"], s["proxy"]), fmt(*s["wrong"], 2),
                     fmt(*s["wrong_corrected"], 2) if s["wrong_corrected"] else "not calibrated", *phases])
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.5))
    labels = list(summaries)
    for ax, key, name in zip(axes, ("words", "proxy", "wrong"), ("length (words)", "proxy (mean)",
                                                                  "wrong share (gold)"), strict=True):
        ax.bar(labels, [summaries[k][key][0] if key == "wrong" else summaries[k][key] for k in labels])
        ax.set_title(name)
        ax.tick_params(axis="x", labelrotation=30, labelsize=7)
    notes = ["each objective against its prompt's aim: `verbose` should be longer, `approval` rated higher, "
             "`treacherous` wrong after it defects (a 95% CI that excludes the honest point's value is a "
             "measured difference)"]
    return head, rows, notes, [_save(fig, out / "objectives.png")]


SECTIONS = {"best_of_n": best_of_n_section, "rounds": rounds_section, "depth": depth_section,
            "trust": trust_section, "control": control_section, "objectives": objectives_section}


def write_sweep_report(sweep: Sweep, points: dict[str, Path], out: Path) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    head, rows, notes, images = SECTIONS[sweep.analysis](points, out)
    notes = [*notes, *gold_reliability(list(points.values()))]
    runs = [[label, str(path)] for label, path in points.items()]
    title = f"Sweep {sweep.name}"
    md = [f"# {title}", "", sweep.description, "", *[f"- {n}" for n in notes], "", *md_table(head, rows), "",
          *md_table(["point", "run"], runs), "", *[f"![{name}]({name})" for name in images], ""]
    md_path = out / "report.md"
    md_path.write_text("\n".join(md))
    page = html_page(title, f"<p>{html.escape(sweep.description)}</p>"
                            f"<ul>{''.join(f'<li>{html.escape(n)}</li>' for n in notes)}</ul>"
                            f"{html_table(head, rows)}<h2>Runs</h2>{html_table(['point', 'run'], runs)}"
                            + "".join(f"<img src='{html.escape(n)}' alt='{html.escape(n)}'>" for n in images))
    html_path = out / "report.html"
    html_path.write_text(page)
    return md_path, html_path
