"""`make test` installs what the browser tests need, or stops at once with the command to run."""

from __future__ import annotations

import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "system-packages.sh"


def run_with(tmp_path: Path, tools: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run the script where PATH holds only `tools` (name → shell body) and the shell itself."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, body in tools.items():
        tool = bin_dir / name
        tool.write_text(f"#!/bin/sh\n{body}\n")
        tool.chmod(0o755)
    env = {"PATH": str(bin_dir), "HOME": str(tmp_path)}
    bash = "/bin/bash"
    return subprocess.run([bash, str(SCRIPT), "browser"], env=env, capture_output=True, text=True, timeout=30)


def test_without_root_or_sudo_it_stops_at_once_naming_the_command(tmp_path: Path) -> None:
    result = run_with(tmp_path, {"id": "echo 1000", "dpkg": "exit 1"})
    assert result.returncode == 1
    assert "chromium" in result.stderr and "fonts-noto-cjk" in result.stderr
    assert "apt-get install" in result.stderr


def test_nothing_is_installed_when_everything_is_there(tmp_path: Path) -> None:
    result = run_with(tmp_path, {"id": "echo 1000", "dpkg": "exit 0", "chromium": "exit 0"})
    assert result.returncode == 0 and result.stderr == ""


def test_as_root_it_installs_what_is_missing(tmp_path: Path) -> None:
    log = tmp_path / "apt.log"
    tools = {"id": "echo 0", "dpkg": "exit 1", "apt-get": f'echo "$@" >> {log}', "bash": 'exec /bin/bash "$@"'}
    result = run_with(tmp_path, tools)
    assert result.returncode == 0, result.stderr
    calls = log.read_text()
    assert "update" in calls and "install" in calls and "chromium" in calls and "fonts-noto-cjk" in calls
