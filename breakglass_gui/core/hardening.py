"""Process hardening at start (docs/rules.md §12): no core dumps, not dumpable, logs redacted."""

from __future__ import annotations

import ctypes
import logging
import sys
import warnings

from breakglass_gui.core import redact

PR_SET_DUMPABLE = 4
PR_GET_DUMPABLE = 3


def _libc() -> ctypes.CDLL:
    # The process's own symbols, libc's among them: no `ctypes.util.find_library`, which may run
    # `ldconfig` or a compiler in a subprocess on the start-up path.
    return ctypes.CDLL(None, use_errno=True)


def disable_core_dumps() -> None:
    if sys.platform == "win32":
        return
    import resource

    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if sys.platform.startswith("linux"):
        _libc().prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


def is_dumpable() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    return bool(_libc().prctl(PR_GET_DUMPABLE, 0, 0, 0, 0))


def keep_import_noise_off_stderr() -> None:
    """urllib3 warns when its SOCKS support is imported without PySocks; requests imports it
    on purpose (SOCKS is optional) after adding an "ignore" filter. But `warnings.catch_warnings`
    is not thread-safe: botocore.httpsession imports inside one, and when it is imported on
    one worker while requests (hvac's) is imported on another, its exit can restore the filter
    list as it was before requests' filter, and the warning reaches the operator's terminal
    (it did, in a hostile-environment drill: tests/hostile). A filter installed here, before
    any thread starts, is in every list a `catch_warnings` saves. The app never uses SOCKS:
    it ignores proxy variables (docs/rules.md §12)."""
    warnings.filterwarnings("ignore", module=r"urllib3\.contrib\.socks")


def harden_process() -> None:
    disable_core_dumps()
    keep_import_noise_off_stderr()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    redact.install()
