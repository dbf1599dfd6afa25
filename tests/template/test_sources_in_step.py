"""Every source stays in step with the template: `copier update` on each finds nothing unexpected.

Works on a clone of the repository's history (the sources' `.copier-answers.yml` pin the template
commit they were generated or last updated from). For each source, `copier update` may only touch
files the template itself changed since that commit, plus the answers file; it must leave no
conflict, and afterwards the template-owned modules equal what the template renders.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
SOURCES = sorted(p.parent.name for p in (REPO / "sources").glob("*/.copier-answers.yml"))
TEMPLATE_OWNED = ("base.py", "settings.py", "throttle.py", "logs.py", "concurrent_windows.py")
GIT_ENV = {
    "GIT_AUTHOR_NAME": "in-step-test",
    "GIT_AUTHOR_EMAIL": "in-step-test@example.invalid",
    "GIT_COMMITTER_NAME": "in-step-test",
    "GIT_COMMITTER_EMAIL": "in-step-test@example.invalid",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def _run(args: list[str], cwd: Path) -> str:
    proc = subprocess.run(
        args, cwd=cwd, env={**os.environ, **GIT_ENV}, capture_output=True, text=True, timeout=600, check=False
    )
    assert proc.returncode == 0, f"{' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def _template_path(path: str, source: str) -> str:
    """The template file a generated path comes from (names rendered back to their Jinja form)."""
    name = "{{source_name}}"
    path = path.replace(f"sources/{source}/", f"template/sources/{name}/", 1)
    path = path.replace(f"transforms/models/staging/{source}/", f"template/transforms/models/staging/{name}/", 1)
    return path.replace(f"tap_{source}/", f"tap_{name}/").replace(f"{source}_sandbox/", f"{name}_sandbox/")


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("in-step") / "repo"
    _run(["git", "clone", "--quiet", str(REPO), str(target)], REPO)
    return target


def test_the_three_sources_are_generated_from_the_template() -> None:
    assert {"stripe", "salesforce", "zendesk"} <= set(SOURCES)


@pytest.mark.parametrize("source", SOURCES)
def test_copier_update_finds_nothing_unexpected(clone: Path, source: str) -> None:
    answers_file = f"sources/{source}/.copier-answers.yml"
    pinned = yaml.safe_load((clone / answers_file).read_text())["_commit"]
    template_changes = set(
        _run(["git", "diff", "--name-only", pinned, "HEAD", "--", "template/", "copier.yml"], clone).split()
    )
    _run(
        [
            sys.executable,
            "-m",
            "copier",
            "update",
            "--defaults",
            "--skip-answered",
            "--vcs-ref",
            "HEAD",
            "-a",
            answers_file,
        ],
        clone,
    )
    changed = [line[3:] for line in _run(["git", "status", "--porcelain"], clone).splitlines()]
    try:
        assert not [p for p in changed if p.endswith(".rej")], f"copier left rejected hunks: {changed}"
        for path in changed:
            file = clone / path
            if file.is_file():
                assert "<<<<<<<" not in file.read_text(errors="replace"), f"merge conflict in {path}"
        unexpected = [
            p
            for p in changed
            if p != answers_file
            and not {_template_path(p, source), _template_path(p, source) + ".jinja"} & template_changes
        ]
        assert not unexpected, f"{source}: copier update changed {unexpected} though the template did not change"
        # template-owned modules are exactly what the template renders
        for module in TEMPLATE_OWNED:
            rendered = (clone / f"template/sources/{{{{source_name}}}}/tap_{{{{source_name}}}}/{module}").read_text()
            assert (clone / f"sources/{source}/tap_{source}/{module}").read_text() == rendered, (
                f"{source}: tap_{source}/{module} differs from the template"
            )
    finally:
        _run(["git", "checkout", "--quiet", "--", "."], clone)
        _run(["git", "clean", "-fdq"], clone)
