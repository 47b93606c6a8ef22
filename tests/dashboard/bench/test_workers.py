import os
import time
from pathlib import Path

import psutil
import pytest

from dashboard.bench.workers import Child, lower_autogroup

needs_autogroup = pytest.mark.skipif(
    not Path("/proc/self/autogroup").exists(), reason="this kernel groups no sessions"
)


@needs_autogroup
def test_a_child_in_a_session_of_its_own_weighs_less_as_a_whole_once_lowered():
    child = Child(["nice", "-n", "10", "sleep", "30"], dict(os.environ))
    try:
        lower_autogroup(child.process.pid, 10)

        group = Path(f"/proc/{child.process.pid}/autogroup").read_text()
        assert group.split()[-2:] == ["nice", "10"], group
        assert group != Path("/proc/self/autogroup").read_text()  # its own session's group
        process = psutil.Process(child.process.pid)
        deadline = time.monotonic() + 5
        while process.name() != "sleep" and time.monotonic() < deadline:  # nice has run
            time.sleep(0.01)
        assert process.nice() == 10
    finally:
        child.stop()
