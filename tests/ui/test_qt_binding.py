"""The Qt binding itself must survive a long session: the app emits thousands of signals."""

from __future__ import annotations

from tests.support.fresh_python import run_python

PROGRAM = """
from PySide6.QtCore import QCoreApplication, QObject, Signal
app = QCoreApplication([])
class Emitter(QObject):
    fired = Signal(object, object)
emitter = Emitter()
emitter.fired.connect(lambda a, b: None)
for _ in range(20_000):
    emitter.fired.emit(1, 2)
print("ok")
"""


def test_twenty_thousand_signal_emits_do_not_corrupt_the_interpreter() -> None:
    # PySide6 6.12.0 on Python 3.11 aborts here ("bool_dealloc: deallocating True").
    done = run_python(PROGRAM)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-500:]
