"""Regenerating the function's copy of the spec never leaves a broken or half-written copy."""

from pathlib import Path

import pytest

from local import spec


@pytest.fixture
def paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, Path]:
    source, target, validators = tmp_path / "openapi.yaml", tmp_path / "openapi.json", tmp_path / "v"
    monkeypatch.setattr(spec, "SOURCE", source)
    monkeypatch.setattr(spec, "TARGET", target)
    monkeypatch.setattr(spec, "VALIDATORS", validators)
    return source, target, validators


@pytest.mark.parametrize(
    "text", ["", "openapi: 3.0.3\n", "- a list\n"], ids=["empty", "no-paths", "not-a-map"]
)
def test_a_half_saved_spec_changes_nothing(paths: tuple[Path, Path, Path], text: str) -> None:
    source, target, validators = paths
    target.write_text('{"last": "good"}\n', encoding="utf-8")
    source.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match="not an OpenAPI document"):
        spec.main()
    assert target.read_text(encoding="utf-8") == '{"last": "good"}\n'
    assert not validators.exists()


def test_a_good_spec_writes_both_and_rewrites_nothing_unchanged(paths: tuple[Path, Path, Path]) -> None:
    source, target, validators = paths
    source.write_text((spec.ROOT / "openapi.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    spec.main()
    stamps = {p.name: p.stat().st_mtime_ns for p in [target, *validators.glob("*.py")]}
    assert "__init__.py" in stamps
    spec.main()
    assert {p.name: p.stat().st_mtime_ns for p in [target, *validators.glob("*.py")]} == stamps
