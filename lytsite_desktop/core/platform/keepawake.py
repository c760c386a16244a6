"""Keeping the computer from sleeping while uploads run (where the system allows it).

Linux: `systemd-inhibit` (logind); macOS: `caffeinate`; Windows:
SetThreadExecutionState. Anywhere else, or when the tool is missing, it does
nothing and says so once in the log.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys

log = logging.getLogger(__name__)

WHY = "Uploading photos"


class KeepAwake:
    """``hold(True)`` while uploading, ``hold(False)`` when done; idempotent."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen[bytes] | None = None
        self._windows = False

    @property
    def held(self) -> bool:
        return self._proc is not None or self._windows

    def hold(self, on: bool) -> None:
        if on and not self.held:
            self._start()
        elif not on and self.held:
            self._stop()

    def _start(self) -> None:
        if sys.platform == "win32":
            import ctypes

            es_continuous, es_system_required = 0x80000000, 0x00000001
            ctypes.windll.kernel32.SetThreadExecutionState(  # type: ignore[attr-defined]
                es_continuous | es_system_required
            )
            self._windows = True
            return
        if sys.platform == "darwin":
            tool = shutil.which("caffeinate")
            cmd = [tool, "-i", "-w", str(os.getpid())] if tool else None
        else:
            tool = shutil.which("systemd-inhibit")
            cmd = (
                [tool, "--what=sleep", f"--why={WHY}", "--who=lytsite-desktop", "--mode=block",
                 "sleep", "infinity"]
                if tool else None
            )  # fmt: skip
        if cmd is None:
            log.info("cannot keep the system awake here (no inhibitor tool)")
            return
        try:
            self._proc = subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
        except OSError as exc:
            log.info("cannot keep the system awake: %s", exc)

    def _stop(self) -> None:
        if self._windows:
            import ctypes

            ctypes.windll.kernel32.SetThreadExecutionState(0x80000000)  # type: ignore[attr-defined]
            self._windows = False
        proc, self._proc = self._proc, None
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
