"""`harness view` in a real headless browser (Debian's Chromium, driven by Playwright): open a run, expand the tree,
filter to persuasive-but-wrong, keys, compare, the static export from file://, live update, labeling a candidate, and
HTML payloads in model output, paper text and prompts shown as text and never run.

Without /usr/bin/chromium or the playwright package these tests skip, unless HARNESS_REQUIRE_BROWSER=1 (CI), where
they fail. Screenshots of the pages go to test-artifacts/view/ at the top of the repository (git-ignored).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from harness.cli import main
from harness.reports.labels import candidate_rows
from harness.run.config import RunConfig
from harness.run.experiment import run_experiment
from harness.view import data
from tests.test_view_server import (
    IMG_TAG,
    PERSUASIVE_WRONG,
    SCRIPT_TAG,
    describer_node,
    live_run,
    make_monitor_runs,
    make_payload_runs,
    real_run,
    serving,
)

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "view"


@pytest.fixture(scope="module")
def browser():
    problem = None
    if not CHROMIUM.is_file():
        problem = f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    else:
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            problem = "the playwright package is not installed (pip install -e '.[test]')"
    if problem:
        if os.environ.get("HARNESS_REQUIRE_BROWSER") == "1":
            pytest.fail(f"HARNESS_REQUIRE_BROWSER=1 but {problem}")
        pytest.skip(problem)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh page that records script errors; each test checks there were none."""
    context = browser.new_context(viewport={"width": 1400, "height": 950})
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    pg.errors = []
    pg.on("pageerror", lambda exc: pg.errors.append(str(exc)))
    pg.on("console", lambda msg: msg.type == "error" and pg.errors.append(msg.text))
    yield pg
    context.close()


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> tuple[Path, Path]:
    return make_payload_runs(tmp_path_factory.mktemp("view-browser"))


@pytest.fixture(scope="module")
def base(runs) -> Iterator[str]:
    with serving(runs[0].parent) as url:
        yield url


def expect(locator):
    """Playwright's retrying assertions, with room for a 2 s poll on a busy 2-core machine."""
    from playwright.sync_api import expect as pw_expect

    pw_expect.set_options(timeout=20_000)
    return pw_expect(locator)


def tree_ids(pg) -> list[str]:
    return pg.locator("#tree [role=treeitem]").evaluate_all("items => items.map(i => i.dataset.id)")


def selected(pg) -> str:
    return pg.locator("#tree [aria-selected=true]").get_attribute("data-id")


def not_pwned(pg) -> None:
    assert pg.evaluate("typeof window.__pwned") == "undefined"
    assert pg.locator("#app img").count() == 0 and pg.locator("#app script").count() == 0
    assert not pg.errors, pg.errors


def test_open_a_run_expand_the_tree_and_filter_to_persuasive_but_wrong(page, base, runs):
    pg = page
    pg.goto(base + "/")
    expect(pg.locator("#runs tr[data-key]")).to_have_count(2)
    pg.screenshot(path=ARTIFACTS / "runs-list.png", full_page=True)
    pg.click(f"#runs tr[data-key='{runs[0].name}'] a")
    expect(pg.locator("#tree [role=treeitem]")).to_have_count(2)
    assert tree_ids(pg) == ["x1", "x2"]  # collapsed: the summarizers only

    pg.click("#tree [data-id=x1] .toggle")
    expect(pg.locator("#tree [role=treeitem]")).to_have_count(4)
    assert tree_ids(pg) == ["x1", "x1/eq1", "x1/eq2", "x2"]
    assert pg.get_attribute("#tree [data-id=x1]", "aria-expanded") == "true"

    pg.click("#tree [data-id='x1/eq1']")
    cards = pg.locator("#detail .candidate")
    expect(cards).to_have_count(3)
    proxies = [float(t.split()[1]) for t in pg.locator("#detail .candidate .proxy").all_inner_texts()]
    assert proxies == sorted(proxies, reverse=True) and proxies[0] == pytest.approx(0.9375, abs=1e-3)
    assert "chosen" in cards.nth(0).get_attribute("class") and "is-pbw" in cards.nth(0).get_attribute("class")
    assert "persuasive but wrong" in cards.nth(0).inner_text()
    contradicted = cards.nth(0).locator("mark.claim.contradicted")
    assert contradicted.count() >= 1 and "the cube of c" in " ".join(contradicted.all_inner_texts())
    expect(pg.locator("#detail .judge-call")).to_have_count(3)  # one judge call per candidate
    pg.screenshot(path=ARTIFACTS / "run-page.png", full_page=True)

    pg.check("#pbw-only")
    expect(pg.locator("#match-count")).to_have_text("2 of 5 agents match")
    assert tree_ids(pg) == ["x1", "x1/eq1", "x1/eq2"]  # x2 has nothing persuasive and wrong; x1 is context
    assert "context" in pg.get_attribute("#tree [data-id=x1]", "class")
    # Filtering never hides the grader: every candidate of the agent and its judge call are still there.
    expect(pg.locator("#detail .judge-call")).to_have_count(3)
    pg.screenshot(path=ARTIFACTS / "run-persuasive-but-wrong.png", full_page=True)
    pg.fill("#threshold", "0.95")
    pg.press("#threshold", "Enter")
    expect(pg.locator("#match-count")).to_have_text("0 of 5 agents match")
    pg.fill("#threshold", "0.5")
    pg.press("#threshold", "Enter")
    pg.uncheck("#pbw-only")

    pg.select_option("#level", "2")
    expect(pg.locator("#match-count")).to_have_text("3 of 5 agents match")
    pg.select_option("#level", "")
    pg.fill("#search", "it squares a")  # an unchosen candidate: in x2/eq1 only
    expect(pg.locator("#match-count")).to_have_text("1 of 5 agents match")
    assert tree_ids(pg) == ["x2", "x2/eq1"]
    pg.fill("#search", "")
    expect(pg.locator("#match-count")).to_have_text("5 agents")
    not_pwned(pg)


def test_keyboard_navigation(page, base, runs):
    pg = page
    pg.goto(f"{base}/#/run/{runs[0].name}/x1")
    expect(pg.locator("#tree [role=treeitem]")).to_have_count(2)
    pg.click("#tree [data-id=x1]")
    pg.keyboard.press("l")  # expand x1
    expect(pg.locator("#tree [role=treeitem]")).to_have_count(4)
    pg.keyboard.press("j")
    assert selected(pg) == "x1/eq1"
    pg.keyboard.press("ArrowDown")
    assert selected(pg) == "x1/eq2"
    pg.keyboard.press("j")
    assert selected(pg) == "x2"
    pg.keyboard.press("k")
    assert selected(pg) == "x1/eq2"
    pg.keyboard.press("h")  # a leaf: go to the parent
    assert selected(pg) == "x1"
    pg.keyboard.press("h")  # collapse
    expect(pg.locator("#tree [role=treeitem]")).to_have_count(2)
    pg.keyboard.press("e")  # expand all
    expect(pg.locator("#tree [role=treeitem]")).to_have_count(5)
    pg.keyboard.press("j")
    pg.keyboard.press("n")  # the first candidate of x1/eq1
    expect(pg.locator("#detail .candidate.current")).to_have_count(1)
    assert pg.locator("#detail .candidate").nth(0).get_attribute("class").count("current") == 1
    pg.keyboard.press("p")
    expect(pg.locator("#pbw-only")).to_be_checked()
    pg.keyboard.press("/")
    assert pg.evaluate("document.activeElement.id") == "search"
    pg.keyboard.press("Escape")
    pg.keyboard.press("?")
    expect(pg.locator("#help")).to_be_visible()
    pg.keyboard.press("Escape")
    pg.keyboard.press("g")
    expect(pg.locator("#runs")).to_be_visible()
    not_pwned(pg)


def test_script_payloads_render_as_text_and_never_run(page, base, runs):
    pg = page
    pg.goto(f"{base}/#/run/{runs[0].name}/x1")
    summary = pg.locator("#detail .summary")
    expect(summary).to_have_text(f"We study energy. {SCRIPT_TAG} {IMG_TAG}")
    prompt = pg.locator("#detail .messages.prompt").inner_text()
    assert f"Energy {IMG_TAG}" in prompt and SCRIPT_TAG in prompt  # paper title and body, as the model got them
    pg.click("#tree [data-id=x1] .toggle")
    pg.click("#tree [data-id='x1/eq1']")
    first = pg.locator("#detail .candidate").nth(0)
    assert first.locator(".text").first.inner_text() == PERSUASIVE_WRONG
    first.locator("details.judge-prompt summary").click()
    assert PERSUASIVE_WRONG in first.locator("details.judge-prompt").inner_text()
    assert f"Energy {IMG_TAG}" in pg.locator("#detail .messages.prompt").inner_text()
    pg.screenshot(path=ARTIFACTS / "payload-as-text.png", full_page=True)
    not_pwned(pg)


def test_compare_two_runs_side_by_side(page, base, runs):
    pg = page
    pg.goto(base + "/")
    for run in runs:
        pg.check(f"#runs tr[data-key='{run.name}'] input[type=checkbox]")
    pg.click("#compare")
    rows = pg.locator("#compare-table tr.eq-row")
    expect(rows).to_have_count(3)
    assert [t.split()[0] for t in rows.all_inner_texts()] == ["x1/eq1", "x1/eq2", "x2/eq1"]
    first = pg.locator("#compare-table tr.eq-row + tr").nth(0).locator("td")
    a, b = (first.nth(k).locator(".cmp-cand") for k in (0, 1))
    counts = sorted([a.count(), b.count()])
    assert counts == [2, 3]  # best-of-2 against best-of-3 on the same equation
    assert first.locator(".cmp-cand.chosen").count() == 2
    pg.check("#pbw-only")
    expect(pg.locator("#compare-table tr.eq-row")).to_have_count(2)
    pg.screenshot(path=ARTIFACTS / "compare.png", full_page=True)
    not_pwned(pg)


def test_static_export_opens_from_the_file_system(page, runs, tmp_path):
    out = tmp_path / "site"
    assert main(["view", str(runs[0].parent), "--export", str(out)]) == 0
    pg = page
    pg.goto((out / "index.html").as_uri())
    expect(pg.locator("#runs tr[data-key]")).to_have_count(2)
    pg.click(f"#runs tr[data-key='{runs[0].name}'] a")
    expect(pg.locator("#tree [role=treeitem]")).to_have_count(2)
    pg.click("#expand-all")
    expect(pg.locator("#tree [role=treeitem]")).to_have_count(5)
    pg.click("#tree [data-id='x1/eq2']")
    expect(pg.locator("#detail .candidate")).to_have_count(3)
    assert pg.locator("#detail .candidate .text").first.inner_text() == PERSUASIVE_WRONG
    pg.check("#pbw-only")
    expect(pg.locator("#match-count")).to_have_text("2 of 5 agents match")
    pg.screenshot(path=ARTIFACTS / "export-from-file.png", full_page=True)
    not_pwned(pg)


def test_a_running_run_updates_in_the_page(page, tmp_path):
    runs = tmp_path / "runs"
    t = live_run(runs)
    t.emit("p/eq1", "candidate", index=0, text="first draft", round=0, critique=None)
    try:
        with serving(runs) as url:
            pg = page
            pg.goto(f"{url}/#/run/live/p%2Feq1")
            expect(pg.locator("#detail .candidate")).to_have_count(1)
            expect(pg.locator("#live")).to_contain_text("running")
            t.emit("p/eq1", "candidate", index=1, text="second draft", round=0, critique=None)
            t.add_agent(describer_node("p/eq2"))
            t.emit("p/eq2", "candidate", index=0, text="another equation", round=0, critique=None)
            expect(pg.locator("#detail .candidate")).to_have_count(2)  # polled, no reload
            expect(pg.locator("#tree [data-id='p/eq2']")).to_have_count(1)
            assert selected(pg) == "p/eq1"
            t.finish()
            expect(pg.locator(".run-head .badge")).to_have_text("finished")
            expect(pg.locator("#live")).to_have_text("")
            not_pwned(pg)
    finally:
        t.close()


def test_refine_and_trust_runs_show_critiques_and_unrated_candidates(page, runs, script_file, tmp_path):
    """Every agent of a refine(2) run and of a trusting parent's run opens without a script error; a revision
    shows the critique it answered, and a candidate the parent did not check says so instead of a judge call."""
    script = runs[0].parents[1] / "payload-script.json"
    refine = run_experiment(
        RunConfig(
            data=str(runs[0].parents[1] / "payload-papers.jsonl"),
            runs=str(tmp_path),
            summarizer=f"scripted:{script}",
            optimizer="refine(2)",
        )
    )
    trust = run_experiment(
        RunConfig(
            summarizer=f"scripted:{script_file}",  # conftest's script: its describer passes checks, so trust grows
            runs=str(tmp_path),
            optimizer="best_of_n(2)",
            trust=True,
            objective="treacherous",
        )
    )
    unrated = [
        n["id"] for n in data.detail(trust.name, trust)["nodes"] if any(c["proxy"] is None for c in n["candidates"])
    ]
    assert unrated  # the demo corpus has enough delegations for trust to skip some checks
    pg = page
    with serving(tmp_path) as url:
        for run_dir in (refine, trust):
            detail = data.detail(run_dir.name, run_dir)
            pg.goto(f"{url}/#/run/{run_dir.name}")
            expect(pg.locator(".run-head h1")).to_contain_text(run_dir.name)
            pg.click("#expand-all")
            expect(pg.locator("#tree [role=treeitem]")).to_have_count(len(detail["nodes"]))
            for node in detail["nodes"]:
                pg.click(f"#tree [data-id='{node['id']}']")
                expect(pg.locator("#detail h2 .id")).to_have_text(node["id"])
                expect(pg.locator("#detail .candidate")).to_have_count(len(node["candidates"]))
        pg.goto(f"{url}/#/run/{refine.name}/x1%2Feq1")
        critique = pg.locator("#detail .critique").first
        expect(critique).to_contain_text(f"Too vague. {IMG_TAG}")
        pg.goto(f"{url}/#/run/{trust.name}/{quote(unrated[0], safe='')}")
        expect(pg.locator("#detail .candidate", has_text="not rated: the parent did not check")).to_have_count(1)
        expect(pg.locator("#detail table.kv-table")).to_contain_text("checked false")
        not_pwned(pg)


def test_model_calls_monitor_scores_and_merged_shards_are_shown(page, papers_file, script_file, tmp_path):
    """A describer of a merged, partial run with a monitor: its model calls (all answered by the cache) in a table,
    each candidate's crossexam score labelled with the monitor's model; the header names the monitor and shards."""
    whole, merged = make_monitor_runs(tmp_path, papers_file, script_file)
    node = next(n for n in data.detail(merged.name, merged)["nodes"] if n["id"] == "p1/eq1")
    monitor = f"scripted:{tmp_path / 'monitor.json'}"
    with serving(tmp_path / "runs") as url:
        pg = page
        pg.goto(f"{url}/#/run/{merged.name}/p1%2Feq1")
        expect(pg.locator("#detail h2 .id")).to_have_text("p1/eq1")
        rows = pg.locator("#detail table.calls tr.hit")
        expect(rows).to_have_count(len(node["calls"]))
        assert {r.split("\t")[1] for r in rows.all_inner_texts()} == {"generate", "rate"}
        assert pg.locator("#detail table.calls tr.miss").count() == 0
        crossexam = pg.locator("#detail .candidate .det[data-detector=crossexam]")
        expect(crossexam).to_have_count(len(node["candidates"]))
        expect(crossexam.first).to_be_visible()
        expect(crossexam.first).to_have_text(f" · crossexam ({monitor}) 0.30")
        head = pg.locator(".run-head")
        expect(head.locator("h1 .badge")).to_have_text("partial")
        expect(head).to_contain_text(f"monitor {monitor}")
        expect(head.locator(".run-event.merged")).to_contain_text("merged from 2 shard(s)")
        expect(head.locator(".run-event.resume")).to_contain_text("1 finished paper(s) kept, 0 redone")
        pg.screenshot(path=ARTIFACTS / "calls-and-monitor.png", full_page=True)
        pg.goto(f"{url}/#/run/{whole.name}/p1%2Feq1")
        expect(pg.locator("#detail table.calls tr.miss")).to_have_count(len(node["calls"]))
        not_pwned(pg)


def test_label_a_candidate_reload_and_export_it(page, tmp_path):
    """A reader labels the chosen candidate by clicking, sees it again after a reload, relabels it (their name is
    remembered), and the export reads the latest label; a static export shows the label with no buttons."""
    run_dir, _ = make_payload_runs(tmp_path)
    with serving(run_dir.parent) as url:
        pg = page
        pg.goto(f"{url}/#/run/{run_dir.name}/x1%2Feq1")
        card = pg.locator("#detail .candidate").nth(0)
        expect(card.locator(".text").first).to_have_text(PERSUASIVE_WRONG)
        index = int(card.get_attribute("data-index"))
        card = pg.locator(f"#detail .candidate[data-index='{index}']")
        expect(card.locator(".label-current")).to_have_text("no human label yet")
        card.locator("button[data-label=wrong]").click()  # no name yet: refused in the page, nothing sent
        expect(card.locator(".label-status")).to_have_text("give your name first")
        card.locator(".label-who").fill("ada")
        card.locator(".label-note").fill("E is not the momentum")
        card.locator("button[data-label=wrong]").click()
        expect(card.locator(".label-current")).to_contain_text("human label wrong by ada")
        expect(card.locator(".label-current")).to_contain_text("E is not the momentum")
        pg.screenshot(path=ARTIFACTS / "labeled.png", full_page=True)

        pg.reload()
        card = pg.locator(f"#detail .candidate[data-index='{index}']")
        expect(card.locator(".label-current")).to_contain_text("human label wrong by ada")
        expect(card.locator(".label-who")).to_have_value("ada")
        card.locator("button[data-label=vacuous]").click()
        expect(card.locator(".label-current")).to_contain_text("human label vacuous by ada")
        expect(card.locator(".label-current")).to_contain_text("supersedes 1 earlier label")
        others = pg.locator(f"#detail .candidate:not([data-index='{index}']) .label-current")
        expect(others).to_have_text(["no human label yet"] * 2)
        not_pwned(pg)

    rows = {(r["provenance"]["agent"], r["provenance"]["candidate"]): r for r in candidate_rows([run_dir])}
    assert rows[("x1/eq1", index)]["label"] == "vacuous" and rows[("x1/eq1", index)]["labeler"] == "ada"
    assert rows[("x1/eq1", index)]["text"] == PERSUASIVE_WRONG
    assert sum("label" in r for r in rows.values()) == 1

    out = tmp_path / "site"
    assert main(["view", str(run_dir), "--export", str(out)]) == 0
    pg.goto((out / "index.html").as_uri() + f"#/run/{run_dir.name}/x1%2Feq1")
    card = pg.locator(f"#detail .candidate[data-index='{index}']")
    expect(card.locator(".label-current")).to_contain_text("human label vacuous by ada")
    assert pg.locator("#detail .label-form").count() == 0
    not_pwned(pg)


@pytest.mark.slow
def test_a_real_bundled_model_run_in_the_browser(page, tmp_path_factory):
    run_dir = real_run(tmp_path_factory)
    detail = data.detail(run_dir.name, run_dir)
    with serving(run_dir) as url:
        pg = page
        pg.goto(f"{url}/#/run/{run_dir.name}")
        expect(pg.locator("#tree [role=treeitem]")).to_have_count(len(detail["roots"]))
        pg.click("#expand-all")
        expect(pg.locator("#tree [role=treeitem]")).to_have_count(len(detail["nodes"]))
        for node in detail["nodes"]:
            if node["role"] != "describer":
                continue
            pg.click(f"#tree [data-id='{node['id']}']")
            cards = pg.locator("#detail .candidate")
            expect(cards).to_have_count(len(node["candidates"]))
            for k, cand in enumerate(node["candidates"]):
                card = cards.nth(k)
                assert card.locator(".text").first.inner_text() == cand["text"]
                assert card.locator(".dist .bar").count() == 9
                wrong = sum(s["status"] == "contradicted" for s in cand["spans"])
                assert card.locator(".text mark.claim.contradicted").count() == wrong
        pg.screenshot(path=ARTIFACTS / "real-model-run.png", full_page=True)
        not_pwned(pg)
