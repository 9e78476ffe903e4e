"""Shared fixtures: the `stance` command line to compare the module with."""

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def stance_bin():
    """The command line binary: $STANCE_BIN, else the repository's build, else PATH."""
    env = os.environ.get("STANCE_BIN")
    if env:
        assert Path(env).is_file(), f"STANCE_BIN={env} is not a file"
        return env
    for profile in ("release", "debug"):
        p = REPO / "target" / profile / "stance"
        if p.is_file():
            return str(p)
    found = shutil.which("stance")
    if not found:
        pytest.skip("no stance binary: build it (cargo build) or set STANCE_BIN")
    return found


# Documents of our own, written for these tests.
DOCS = {
    "review.txt": (
        "The second season of Harbor Lights is a triumph. The writing is sharp, "
        "and the cast has never been better!\n"
        "Still, the middle episodes drag badly and the villain is a bore.\n\n"
        "Season three premieres in March, the network said on Tuesday.\n"
    ),
    "news.txt": (
        "\ufeffByline: A. Writer, staff reporter\n"
        "The show follows a lighthouse keeper and her café in a small town. "
        "Fans can’t wait for the renewal — it’s coming soon, apparently.\n"
        "Is it any good? Honestly, no. It is tedious, bloated and dull...\n"
    ),
    "short.txt": "Wonderful.",
}
