#!/usr/bin/env python3
"""docs/rules.md §13: cold start to the first wizard page painted ≤ 1.6× a bare QWizard process.

Each run is a fresh interpreter started the way `python main.py --config FILE` starts: the
CLI, process hardening, the QApplication, the window, the config loaded and the journal
verified on a worker, then the emergency page (the first wizard page). The clock starts before
the interpreter is spawned and stops at that page's first paint event. Heavy modules must still
be unloaded at that moment (they are imported on workers later), and the run says which ones
were. The run goes on to the moment the procedure's collaborators are composed after that paint
(ui/controller.py: Declare acts from then on) and reports it too, beside the target, not in it.

The same clock is run, in the same run, over a bare PySide6 process that paints one QWizard
page: the floor any Qt app starts from on this machine; bench/run.py's figure is the ratio of
the two medians. The app's modules are byte-compiled by scripts/bootstrap.sh, as pip or
PyInstaller would.
Prints one JSON line: {"median_s": ..., "runs": [...], "heavy_loaded": [...], "bare_median_s": ...,
"ready_median_s": ...}.
"""

from __future__ import annotations

# The children import only these (the parent's own are imported in main()): whatever a child
# imports before the clock stops is counted, and a bare Qt process imports nothing else.
import json
import os
import sys
import time
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNS = 2 if os.environ.get("BENCH_SMOKE") else 7  # --smoke (CI): it runs
HEAVY = ("boto3", "botocore", "hvac", "moto", "jinja2")


def child(spawned_at: float, config: str) -> None:
    """`python main.py --config FILE`, exactly: cli.main runs as the app's entry point does (its
    hardening, its imports before Qt, its order); the only addition is a watcher on the window,
    attached through an import hook when the app's start-up module is first imported."""
    sys.path.insert(0, ROOT)
    sys.meta_path.insert(0, _WatchWindow(spawned_at))
    from breakglass_gui import cli

    sys.exit(cli.main(["--config", config]))


class _WatchWindow:
    """An import hook (finder and loader, duck-typed: importlib.abc is not imported for it).
    It loads breakglass_gui.ui.app with the path's own loader, then wraps its `build` so that
    the emergency page (the first wizard page) reports its first paint and ends the process."""

    MODULE = "breakglass_gui.ui.app"

    def __init__(self, spawned_at: float) -> None:
        self.spawned_at = spawned_at
        self.loader: Any = None  # the path's own

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        if name != self.MODULE:
            return None
        sys.meta_path.remove(self)
        import importlib.util  # already loaded by then: site imports it at interpreter start

        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.loader is not None
        self.loader, spec.loader = spec.loader, self
        return spec

    def create_module(self, spec: Any) -> None:
        return None  # the default module object, as the path's loader would

    def exec_module(self, module: Any) -> None:
        assert self.loader is not None
        self.loader.exec_module(module)
        self._watch(module)

    def _watch(self, app_module: Any) -> None:
        from PySide6.QtCore import QEvent, QObject

        spawned_at, build = self.spawned_at, app_module.build

        class FirstPaint(QObject):
            def __init__(self, ctl: Any, parent: QObject) -> None:
                super().__init__(parent)
                self.ctl = ctl

            def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
                if event.type() == QEvent.Type.Paint:
                    watched.removeEventFilter(self)
                    painted = time.time() - spawned_at
                    heavy = [m for m in HEAVY if m in sys.modules]

                    def ready() -> None:
                        ready_s = time.time() - spawned_at
                        line = {"s": painted, "ready_s": ready_s, "heavy": heavy}
                        print(json.dumps(line), flush=True)
                        os._exit(0)

                    if self.ctl.deps is not None:
                        ready()
                    self.ctl.ready.connect(ready)
                return False

        def build_and_watch(options):  # type: ignore[no-untyped-def]
            ctl, window = build(options)
            watcher = FirstPaint(ctl, window)

            def watch(name: str) -> None:
                # Connected after the window's own slot: the page exists by now, built where
                # the app builds it (once the config is loaded), not earlier for the benchmark.
                if name == "emergency":
                    window.pages[name].installEventFilter(watcher)

            ctl.routed.connect(watch)
            return ctl, window

        app_module.build = build_and_watch


def bare_child(spawned_at: float) -> None:
    """A bare PySide6 process: one QWizard with one page, to its first paint."""
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication, QWizard, QWizardPage

    app = QApplication(sys.argv[:1])
    wizard = QWizard()
    page = QWizardPage()
    wizard.addPage(page)

    class FirstPaint(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
            if event.type() == QEvent.Type.Paint:
                print(json.dumps({"s": time.time() - spawned_at, "heavy": []}), flush=True)
                os._exit(0)
            return False

    watcher = FirstPaint(page)
    page.installEventFilter(watcher)
    wizard.show()
    sys.exit(app.exec())


def _first_paints(
    args: list[str], env: dict[str, str]
) -> tuple[list[float], set[str], list[float]]:
    import subprocess

    times: list[float] = []
    heavy: set[str] = set()
    ready: list[float] = []
    for _ in range(RUNS):
        spawned_at = time.time()
        result = subprocess.run(
            [sys.executable, __file__, args[0], repr(spawned_at), *args[1:]],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            check=False,
        )
        lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
        if not lines:
            raise SystemExit(f"no first paint:\n{result.stdout}{result.stderr}")
        figure = json.loads(lines[-1])
        times.append(figure["s"])
        heavy.update(figure["heavy"])
        ready.append(figure.get("ready_s", figure["s"]))
    return times, heavy, ready


def main() -> int:
    import statistics
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        env = {
            **os.environ,
            "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
            "XDG_DATA_HOME": scratch,
            "XDG_CONFIG_HOME": scratch,
            # This headless machine has no OS keyring; the workstation measured has one. The
            # tests' in-memory stand-in plays it (the first page does not wait for it anyway).
            "PYTHON_KEYRING_BACKEND": "tests.fakes.keyring_memory.SecretServiceLike",
            "PYTHONPATH": os.pathsep.join(p for p in (ROOT, os.environ.get("PYTHONPATH", "")) if p),
        }
        config = os.path.join(ROOT, "resources", "example-config.toml")
        times, heavy, ready = _first_paints(["--child", config], env)
        bare, _, _ = _first_paints(["--bare"], env)
    figures = {
        "median_s": statistics.median(times),
        "runs": times,
        "heavy_loaded": sorted(heavy),
        "bare_median_s": statistics.median(bare),
        "ready_median_s": statistics.median(ready),
    }
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(float(sys.argv[2]), sys.argv[3])
    if sys.argv[1:2] == ["--bare"]:
        bare_child(float(sys.argv[2]))
    sys.exit(main())
