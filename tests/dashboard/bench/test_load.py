"""L1 to L3's rows from locust's figures: which page kinds are bounded, and what fails them."""

from dashboard.bench.load import PAGE_P95_MS, _read_stats, _results

HEADER = "Type,Name,Request Count,Failure Count,50%,95%\n"


def stats(tmp_path, *rows):
    prefix = tmp_path / "crowd"
    lines = [",".join(str(cell) for cell in row) for row in rows]
    (tmp_path / "crowd_stats.csv").write_text(HEADER + "\n".join(lines) + "\n")
    return _read_stats(prefix)


def by_metric(results):
    return {r.metric.split(",")[0]: r for r in results}


def test_at_25_people_every_page_kind_but_the_csv_and_sign_in_is_bounded(tmp_path):
    rows = stats(
        tmp_path,
        ("GET", "overview", 80, 0, 90, 400),
        ("GET", "CSV export", 10, 0, 900, 3000),
        ("POST", "sign-in", 25, 0, 700, 2500),
        ("", "Aggregated", 115, 0, 100, 900),
    )

    results = by_metric(_results(25, rows, synced=12, cores={"web": 0.5}, wall=40))

    assert results["overview"].goal == "L1" and results["overview"].passed is True
    assert results["CSV export"].goal == "L2" and results["CSV export"].passed is True
    assert results["sign-in"].goal == "L2"
    assert "Aggregated" not in results
    assert results["sync beside 25 people: units synced (cores used: web 0.50)"].passed is True


def test_a_slow_page_or_a_single_error_fails_its_row(tmp_path):
    rows = stats(
        tmp_path,
        ("GET", "posts", 80, 0, 90, PAGE_P95_MS + 100),
        ("GET", "agency", 30, 1, 90, 200),
    )

    results = by_metric(_results(25, rows, synced=3, cores={}, wall=40))

    assert results["posts"].passed is False
    assert results["agency"].passed is False


def test_at_50_people_figures_are_reported_and_only_errors_fail(tmp_path):
    rows = stats(
        tmp_path,
        ("GET", "posts", 80, 0, 90, 2400),
        ("GET", "agency", 30, 2, 90, 200),
    )

    results = by_metric(_results(50, rows, synced=0, cores={}, wall=40))

    assert results["posts"].goal == "L2" and results["posts"].passed is True
    assert results["agency"].passed is False
    assert results["sync beside 50 people: units synced (cores used: )"].passed is False
