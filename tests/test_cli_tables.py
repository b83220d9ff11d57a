"""The tables ``ferry`` writes for people (``engine.cli.tables``): boxed when they fit, wrapped
text when that makes them fit, one block per row when nothing does; no value ever cut short."""

from __future__ import annotations

from engine.cli.tables import Column, cells, render

COUNTS = [Column("mapping"), Column("created", "right"), Column("quarantined", "right")]


def _box_rows(text: str) -> list[list[str]]:
    return [line.split("│")[1:-1] for line in text.splitlines() if line.startswith("│")]


def test_a_table_that_fits_is_boxed_with_counts_right_aligned_and_the_total_set_apart() -> None:
    text = render(
        "ferry sync: succeeded",
        COUNTS,
        [["zuora-netsuite/customer", "5", "0"], ["zuora-netsuite/invoice", "120", "3"]],
        80,
        footer=["total", "125", "3"],
    )
    lines = text.splitlines()
    assert lines[0].strip() == "ferry sync: succeeded"
    assert lines[1].startswith("┏") and lines[-1].startswith("└")
    assert len({cells(line) for line in lines[1:]}) == 1  # every line of the box as wide
    assert _box_rows(text)[0] == [" zuora-netsuite/customer ", "       5 ", "           0 "]
    total_at = next(n for n, line in enumerate(lines) if "total" in line)
    assert lines[total_at - 1].startswith("├")  # a rule between the mappings and their total


def test_wide_characters_take_two_columns_and_a_line_break_cannot_break_the_box() -> None:
    text = render("runs", COUNTS, [["顧客/請求書", "1", "0"], ["two\nlines", "2", "0"]], 80)
    box = text.splitlines()[1:]
    assert len({cells(line) for line in box}) == 1
    assert "two\\nlines" in text and len(_box_rows(text)) == 2


def test_text_wraps_inside_its_column_to_fit_and_nothing_is_dropped() -> None:
    stamp = "2026-12-03T20:00:45.087Z"
    columns = [Column("id"), Column("started"), Column("status"), Column("created", "right")]
    natural = render("runs", columns, [["1", stamp, "succeeded", "12345"]], 200)
    narrower = render("runs", columns, [["1", stamp, "succeeded", "12345"]], 45)

    assert max(cells(line) for line in natural.splitlines()) > 45
    assert max(cells(line) for line in narrower.splitlines()) <= 45
    rows = _box_rows(narrower)
    assert len(rows) > 1  # the time went over two lines of its cell
    column_text = ["".join(cell.strip() for cell in column) for column in zip(*rows, strict=True)]
    assert column_text == ["1", stamp, "succeeded", "12345"]


def test_when_no_box_fits_each_row_is_a_block_of_whole_values() -> None:
    rows = [["crm/customer", "100", "0"], ["crm/invoice", "2500", "7"]]
    text = render("ferry plan: planned", COUNTS, rows, 30, footer=["total", "2600", "7"])

    assert "│" not in text and "┃" not in text
    assert all(cells(line) <= 30 for line in text.splitlines())
    assert text.splitlines()[:5] == [
        "ferry plan: planned",
        "",
        "mapping:     crm/customer",
        "  created:     100",
        "  quarantined: 0",
    ]
    assert "mapping:     total\n  created:     2600\n" in text


def test_a_long_name_wraps_after_a_hyphen_or_a_slash_not_inside_a_word() -> None:
    name = "zuora-netsuite/charge-non-inventory-item"
    columns = [Column("mapping"), *(Column(f"count{n}", "right") for n in range(10))]
    text = render("ferry sync: succeeded", columns, [[name, *"0123456789"]], 130)

    rows = _box_rows(text)
    assert max(cells(line) for line in text.splitlines()) <= 130
    pieces = [row[0].strip() for row in rows]
    assert len(pieces) == 2 and "".join(pieces) == name
    assert pieces[0].endswith("-")  # broken after a hyphen, not inside a word
