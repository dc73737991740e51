"""``flask import-places`` and the other imports on files made to hurt: each is refused quickly, with little memory,
in the reader's language, naming the file, and nothing is written."""

from __future__ import annotations

import json
import time

import pytest

from dispatch.services.imports import geojson_file
from tests.integration.csv_files import error_lines, row_counts, run_cli
from tests.integration.test_import_places import cell, collection


def write(tmp_path, content: str | bytes):
    path = tmp_path / "cells.geojson"
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def refusal(app, path, lang: str = "en") -> list[str]:
    result = run_cli(app, "import-places", path, "--lang", lang)
    assert result.exit_code == 2, result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert row_counts()["grid_cells"] == 0
    return error_lines(result.stderr)


def test_deep_nesting_is_refused_at_the_request_limit_quickly(app, tmp_path):
    depth = 100_000  # once 21 GB and killed: every event's prefix was as long as the nesting
    path = write(tmp_path, '{"type":"FeatureCollection","features":[' + "[" * depth + "]" * depth + "]}")

    started = time.monotonic()
    lines = refusal(app, path, "zh")

    assert lines == ["file: 文件的 JSON 嵌套太深（最多 32 层）"]
    assert time.monotonic() - started < 2


def test_deep_nesting_in_a_file_read_whole_is_refused_too(app, tmp_path):
    """NaN makes the stream give up and the file is read whole: its nesting is checked there."""
    nested = "[" * 40 + "]" * 40
    path = write(tmp_path, '{"type":"FeatureCollection","features":[NaN,' + nested + "]}")

    assert refusal(app, path) == ["file: the file's JSON nests too deeply (at most 32 levels)"]


def test_a_value_longer_than_any_field_is_refused_without_reading_it_all(app, tmp_path, monkeypatch):
    monkeypatch.setattr(geojson_file, "MAX_VALUE_BYTES", 200_000)
    path = write(tmp_path, json.dumps(collection(cell("G001", name="网" * 2_000_000)), ensure_ascii=False))

    started = time.monotonic()
    lines = refusal(app, path)

    assert lines == ["file: the file holds a value longer than 195 KB, more than any field can take"]
    assert time.monotonic() - started < 2


def test_a_long_name_under_the_limit_is_read_in_linear_time_and_refused_for_its_column(app, tmp_path):
    path = write(tmp_path, json.dumps(collection(cell("G001", name="网" * 300_000)), ensure_ascii=False))

    started = time.monotonic()
    lines = refusal(app, path)

    assert lines == ["feature 1 name: is too long (at most 100)"]
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("encoding", ["gbk", "gb18030"])
def test_a_gbk_or_gb18030_file_is_imported(app, tmp_path, encoding):
    path = write(tmp_path, json.dumps(collection(cell("G001"), cell("G002")), ensure_ascii=False).encode(encoding))

    result = run_cli(app, "import-places", path)

    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["cells"] == 2
    assert row_counts()["counties"] == 1


def test_a_file_in_no_known_encoding_is_refused_in_chinese(app, tmp_path):
    path = write(tmp_path, b'{"type":"FeatureCollection","features":[],"x":"\xff\xff\xff"}')

    assert refusal(app, path, "zh") == ["file: 无法识别文件编码（支持 UTF-8 与 GB18030/GBK）"]


@pytest.mark.parametrize(
    "text, reason",
    [
        (
            '{"type":"FeatureCollection","features":[]} {"x":1}',
            "extra content from line 1, column 44 (the JSON ended before it)",
        ),
        ('{"type":"FeatureCollection",\n "features": [}', "the file is not valid JSON: an error at line 2, column 15"),
        ('"hello"', "the file is not a GeoJSON FeatureCollection (with its features in a features list)"),
        ("42", "the file is not a GeoJSON FeatureCollection (with its features in a features list)"),
        ('{"type":"FeatureCollection"}', "the file is not a GeoJSON FeatureCollection (with its features in a features list)"),
        (
            '{"type":"FeatureCollection","features":null}',
            "the file is not a GeoJSON FeatureCollection (with its features in a features list)",
        ),
        ('{"features":[],"type":"FeatureCollection"}', "the file has no features"),
    ],
    ids=["extra data", "a syntax error", "a string", "a number", "no features key", "null features", "empty, type last"],
)
def test_a_file_level_problem_is_said_of_the_file_in_words(app, tmp_path, text, reason):
    assert refusal(app, write(tmp_path, text)) == [f"file: {reason}"]


def test_a_syntax_error_reads_in_chinese(app, tmp_path):
    lines = refusal(app, write(tmp_path, '{"type":"FeatureCollection","features":[]} x'), "zh")

    assert lines == ["file: 文件第 1 行第 44 列起还有多余内容（JSON 已在此前结束）"]


@pytest.mark.parametrize("command", ["import-places", "import-organizations", "import-members"])
@pytest.mark.parametrize("path", ["/dev/zero", "."], ids=["a device", "a directory"])
def test_what_is_no_regular_file_is_refused_by_every_import(app, command, path):
    result = run_cli(app, command, path, "--lang", "en")

    assert result.exit_code == 2
    assert error_lines(result.stderr) == [f"file: not a regular file: {path} (a directory, device or pipe cannot be imported)"]


def test_a_missing_file_is_refused_in_chinese(app, tmp_path):
    result = run_cli(app, "import-organizations", tmp_path / "none.csv")

    assert result.exit_code == 2
    assert error_lines(result.stderr) == [f"file: 找不到文件：{tmp_path / 'none.csv'}"]


@pytest.mark.parametrize("escape", ["\\ud800", "\\uDFFF", "\\udc00\\ud800"])
def test_an_unpaired_surrogate_escape_is_refused_not_stored_as_a_question_mark(app, tmp_path, escape):
    text = json.dumps(collection(cell("G001", name="NAME"))).replace("NAME", f"{escape}-01")

    lines = refusal(app, write(tmp_path, text))

    assert len(lines) == 1 and lines[0].startswith("file: the file holds a character that cannot be stored")


def test_a_paired_surrogate_escape_is_a_character_like_any_other(app, tmp_path):
    text = json.dumps(collection(cell("G001", name="NAME"))).replace("NAME", "\\ud83d\\ude92-01")

    result = run_cli(app, "import-places", write(tmp_path, text))

    assert result.exit_code == 0, result.stderr


def test_an_unpaired_escape_across_a_read_boundary_is_found(app, tmp_path):
    text = json.dumps(collection(cell("G001", name="NAME")))
    at = text.index("NAME")
    for cut in range(at - 8, at + 8):  # the read that ends at cut leaves the escape split, or its pair next
        reader = geojson_file._Utf8Reader(_Chunks(text.replace("NAME", "\\ud800-01").encode(), cut), "utf-8-sig", True)
        with pytest.raises(geojson_file.InvalidInput):
            while reader.read(65536):
                pass
        paired = geojson_file._Utf8Reader(_Chunks(text.replace("NAME", "\\ud83d\\ude92").encode(), cut), "utf-8-sig", True)
        while paired.read(65536):
            pass


class _Chunks:
    """A file whose first read ends at ``cut``."""

    def __init__(self, data: bytes, cut: int) -> None:
        self._parts = [data[:cut], data[cut:], b""]

    def read(self, _size: int) -> bytes:
        return self._parts.pop(0) if self._parts else b""


def test_a_file_changed_after_its_checks_is_refused_rather_than_read_unchecked(app, tmp_path):
    path = write(tmp_path, json.dumps(collection(cell("G001"))))
    checked = geojson_file.GeoJsonFile(path)
    write(tmp_path, json.dumps(collection(cell("G001"), cell("G002"))))  # unchecked: it might nest 100,000 deep

    with pytest.raises(geojson_file.InvalidInput) as refused:
        list(checked.parts())

    assert refused.value.errors[0].code == "geojson.changed"
