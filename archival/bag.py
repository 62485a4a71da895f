"""BagIt bags (RFC 8493) with the bagit library: sha256 and sha512 manifests, validation.

`bagit.make_bag` changes the process's working directory while it runs, which would pull the floor
from under every other thread of a flow run; so bags are made in a child process
(`python -m archival.bag FOLDER`, bag-info as JSON on standard input). Validation does not change
directory and runs in the caller.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import bagit

from schemas.archive import FixityProblem

CHECKSUMS = ("sha256", "sha512")
BAG_TIMEOUT_SECONDS = 3600


class BagFailed(RuntimeError):
    """The child process could not make the bag."""


def make_bag(folder: Path, info: dict[str, str], processes: int = 1) -> None:
    """Turn `folder` into a bag in place: its files move under data/, tag files are written beside."""
    result = subprocess.run(
        [sys.executable, "-m", "archival.bag", str(folder), str(processes)], input=json.dumps(info),
        capture_output=True, text=True, timeout=BAG_TIMEOUT_SECONDS, check=False,
    )
    if result.returncode != 0:
        raise BagFailed(f"bagit exited with {result.returncode}: {result.stderr.strip()[-2000:]}")


def validate_bag(folder: Path) -> list[tuple[str, FixityProblem, str]]:
    """Problems bagit finds in the bag at `folder`: (path in the bag, problem, detail); [] when valid."""
    try:
        bagit.Bag(str(folder)).validate(processes=1)
    except bagit.BagValidationError as error:
        found = [_detail(detail) for detail in error.details]
        return found or [("", FixityProblem.INVALID_BAG, error.message)]
    except bagit.BagError as error:
        return [("", FixityProblem.INVALID_BAG, str(error) or type(error).__name__)]
    return []


def _detail(detail: bagit.ManifestErrorDetail) -> tuple[str, FixityProblem, str]:
    if isinstance(detail, bagit.ChecksumMismatch):
        return detail.path, FixityProblem.CHANGED, f"{detail.algorithm} differs from the bag's manifest"
    if isinstance(detail, bagit.FileMissing):
        return detail.path, FixityProblem.MISSING, "listed in the bag's manifest, not in the bag"
    if isinstance(detail, bagit.UnexpectedFile):
        return detail.path, FixityProblem.UNEXPECTED, "in the bag, not in its manifest"
    return detail.path, FixityProblem.INVALID_BAG, str(detail)


def _main() -> None:
    folder, processes = sys.argv[1], int(sys.argv[2])
    info = json.loads(sys.stdin.read())
    bagit.make_bag(folder, bag_info=info, processes=processes, checksums=list(CHECKSUMS))


if __name__ == "__main__":
    _main()
