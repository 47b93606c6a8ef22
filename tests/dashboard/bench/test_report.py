"""The benchmark's table: every measurement with its verdict, as text, Markdown and JSON."""

import json

from dashboard.bench.report import Result, at_least, at_most, markdown, table, write_json

MEASURED = [
    Result("P5", "deep page ÷ page 1", "30.0 ms", "20.0 ms", 1.5, "<= 1.5", at_most(1.5, 1.5)),
    Result("P1", "export ÷ COPY", "10 rows/s", "100 rows/s", 0.1, ">= 0.5", at_least(0.5, 0.1)),
    Result("R1", "not run | here", "-", "-", None, "see the issue", None),
]


def test_the_table_gives_each_goal_its_verdict():
    lines = table(MEASURED).splitlines()

    assert lines[0].split() == ["goal", "metric", "ours", "baseline", "ratio", "target", "verdict"]
    assert lines[2].startswith("P5") and lines[2].endswith("PASS")
    assert lines[3].startswith("P1") and lines[3].endswith("FAIL")
    assert "0.100" in lines[3]
    assert lines[4].startswith("R1") and lines[4].endswith("n/a")


def test_markdown_keeps_a_pipe_in_a_cell_from_splitting_it():
    rows = markdown(MEASURED).splitlines()

    assert rows[-1].count(" | ") == 6
    assert "not run \\| here" in rows[-1]


def test_the_json_holds_every_result_and_the_run_settings(tmp_path):
    path = tmp_path / "out" / "bench.json"

    write_json(path, MEASURED, {"posts": 1000})

    document = json.loads(path.read_text())
    assert document["posts"] == 1000
    assert [r["goal"] for r in document["results"]] == ["P5", "P1", "R1"]
    assert [r["verdict"] for r in document["results"]] == ["PASS", "FAIL", "n/a"]
