"""The bad-input corpus (issue #21): every case ends with one clear line and exit 2 (user input)
or 1 (environment), writes nothing outside the run and outputs folders, and the bombs stay under
1 GB of memory. Recipe cases live in tests/badinput/*.yaml; their first line says the command,
the exit code and a part of the message."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from studio.cli import main
from tests.helpers import toy_steps  # noqa: F401  (registers toy.* steps)

CORPUS = Path(__file__).parent / "badinput"
HEADER = re.compile(r"^# corpus case \(tests/test_badinput.py\): command=(\w+) exit=(\d) message=(.+)$")
BOMBS = {"alias-bomb.yaml", "deep-nesting.yaml"}


def _cases() -> list[tuple[str, str, int, str]]:
    cases = []
    for f in sorted(CORPUS.glob("*.yaml")):
        m = HEADER.match(f.read_text(encoding="utf-8").splitlines()[0])
        assert m, f"{f.name}: first line must be the corpus header"
        cases.append((f.name, m.group(1), int(m.group(2)), m.group(3).strip()))
    return cases


def _everything_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*")}


@pytest.fixture
def budget(monkeypatch):
    # the template budget is 5 s; the corpus checks that it trips, not how long it is
    monkeypatch.setenv("STUDIO_TEMPLATE_SECONDS", "0.5")


@pytest.mark.parametrize(("name", "command", "code", "message"), _cases(), ids=[c[0] for c in _cases()])
def test_corpus_case_one_line_right_exit_nothing_outside(name, command, code, message, tmp_path, monkeypatch, capsys, budget):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    recipe = CORPUS / name
    before = _everything_under(tmp_path)
    args = ["validate", str(recipe)] if command == "validate" else ["run", str(recipe), "--out", str(work / "run"), "-q"]
    rc = main(args)
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == code, err
    assert len(err) == 1, err
    assert message in err[0], err
    assert "Traceback" not in err[0]
    assert _everything_under(tmp_path) == before, "the failed case wrote files"
    assert not Path("/tmp/studio-escaped").exists()


def _peak_kb(args: list[str], cap_bytes: int) -> tuple[int, str, int]:
    """Run the CLI in a child capped at `cap_bytes` of address space; (exit code, stderr, peak KB)."""
    code = (
        "import resource, sys\n"
        f"resource.setrlimit(resource.RLIMIT_AS, ({cap_bytes}, {cap_bytes}))\n"
        "from studio.cli import main\n"
        "rc = main(sys.argv[1:])\n"
        "sys.stderr.write('PEAK %d\\n' % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
        "sys.exit(rc)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120)
    lines = proc.stderr.strip().splitlines()
    peak = int(lines[-1].split()[1]) if lines and lines[-1].startswith("PEAK ") else -1
    return proc.returncode, "\n".join(lines[:-1]), peak


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_bombs_fail_in_one_line_under_1gb(name):
    rc, err, peak_kb = _peak_kb(["validate", str(CORPUS / name)], 1 << 30)
    assert rc == 2, err
    assert len(err.splitlines()) == 1, err
    assert "refusing to load it" in err
    assert 0 < peak_kb < 1024 * 1024, peak_kb
