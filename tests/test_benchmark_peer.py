"""
The peer benchmark's wiring (benchmarks/peer.py runs in .venv-peer; its timing lives there, not here):
it refuses clearly when the peer is not installed, and it measures the version requirements/peer.txt pins.
"""

import os
import re
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

import pytest

from benchmarks import peer

ROOT = Path(__file__).resolve().parent.parent


def test_run_sh_refuses_without_the_peer_virtualenv(tmp_path):
    missing = tmp_path / "no-venv" / "bin" / "python"
    answer = subprocess.run(  # noqa: S603 (our script, our arguments)
        ["bash", str(ROOT / "benchmarks" / "run.sh"), "peer", "--learners", "10"],  # noqa: S607
        env={**os.environ, "PYTHON": str(missing)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert answer.returncode == peer.PEER_MISSING_EXIT == 3
    assert "peer not installed" in answer.stderr
    assert "make benchmark-peer-setup" in answer.stderr


@pytest.mark.skipif(find_spec("learning_credentials") is not None, reason="the peer is installed in this interpreter")
def test_peer_py_refuses_in_an_interpreter_without_the_peer():
    answer = subprocess.run(  # noqa: S603 (this interpreter, our script)
        [sys.executable, str(ROOT / "benchmarks" / "peer.py"), "--learners", "10"],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert answer.returncode == 3
    assert answer.stderr.startswith("peer not installed: learning-credentials is not importable")
    assert "make benchmark-peer-setup" in answer.stderr
    assert answer.stdout == ""  # nothing measured, nothing claimed


def test_the_pinned_peer_is_the_one_the_report_names():
    pins = (ROOT / "requirements" / "peer.txt").read_text()
    assert re.search(rf"^learning-credentials=={re.escape(peer.PEER_PINNED)}$", pins, re.MULTILINE)
    # pypdf 7 removed what the peer's merge_page() needs (see the file's header).
    assert re.search(r"^pypdf==6\.", pins, re.MULTILINE)
