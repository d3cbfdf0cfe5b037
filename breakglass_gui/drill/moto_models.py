"""What moto reads from disk in a drill process: botocore's shipped models and moto's own
extras, each once, and nothing from the operator's home or environment.

moto (5.x) reads models three ways, none of them shared or sealed:
- each service's model on its first request, through `moto.core.utils._load_service_model`,
  with a new loader each time. Every new loader lists all ~445 services again (~22 ms), parses
  the model again and searches `~/.aws/models` first;
- each service's name, through a new `botocore.session.Session()`, which lists them again;
- each backend's regions, through a `boto3.Session()` of its own, which parses botocore's
  endpoint data again (~0.13 s) and follows `AWS_DATA_PATH` to the model of every service it
  asks about: a tampered model there answered the drill's requests with 500
  (tests/hostile/test_hostile_environment.py plants one).

`seal()` gives moto one loader for the process, locked (moto's request threads race for the
first read of a model), over botocore's data and moto's extras only, and one sealed botocore
session (core/aws/clients.py: the app's own, so endpoint data parsed for the app's clients is
not parsed again). Measured in a drill world's start on this machine: ~1 s less CPU, ~0.9 s
less wall time (docs/benchmarks.md). The models themselves are the ones moto would use; only
where they are read from and how often changes.
"""

from __future__ import annotations

import functools
import threading
from pathlib import Path
from typing import Any


@functools.cache  # once per process
def seal() -> None:
    """Point moto's model reads at one sealed loader and session."""
    import moto.core.base_backend
    import moto.core.utils

    utils: Any = moto.core.utils  # moto's names, replaced where moto looks them up
    backend: Any = moto.core.base_backend.AccountSpecificBackend
    loader = _MotoLoader()
    utils.create_loader = lambda: loader  # called by _load_service_model for each model
    utils.Session = _session  # called by service_name_from_moto_package_name
    backend.get_session = classmethod(lambda cls: _boto3_session())  # each backend's regions
    _remember_moto_modules()


class _MotoLoader:
    """moto's loader class (its extras applied to the models), one instance, one read at a
    time: botocore's loader caches what it reads but has no lock. A model moto has no extras
    for is the very one the app's clients read (core/aws/clients.py `shipped_models`): it is
    taken from there, parsed once for both (neither changes it; of a drill's services only
    S3 has extras)."""

    def __init__(self) -> None:
        from botocore.loaders import Loader
        from moto.core.loaders import Loader as MotoLoader
        from moto.core.loaders import moto_root

        self._root = Path(moto_root)
        self._loader = MotoLoader(
            extra_search_paths=[moto_root, Loader.BUILTIN_DATA_PATH],
            include_default_search_paths=False,  # not ~/.aws/models, not AWS_DATA_PATH
        )
        self._lock = threading.Lock()

    def load_service_model(self, service_name: str, type_name: str) -> Any:
        from breakglass_gui.core.aws.clients import shipped_models

        with self._lock:
            if self._has_extras(service_name, type_name):
                return self._loader.load_service_model(service_name, type_name)
            return shipped_models().load_service_model(service_name, type_name)

    @functools.cache  # noqa: B019 - one instance per process (seal)
    def _has_extras(self, service_name: str, type_name: str) -> bool:
        folder = self._root / service_name.replace("-", "")  # moto's package names
        return any(folder.glob(f"*/{type_name}.moto-extras.json*"))


@functools.cache
def _session() -> Any:
    from breakglass_gui.core.aws.clients import sealed_botocore_session

    return sealed_botocore_session()


@functools.cache
def _boto3_session() -> Any:
    import boto3.session

    return boto3.session.Session(botocore_session=_session())


def _remember_moto_modules() -> None:
    """moto's dispatcher finds a request's service by listing its own package directory —
    one listdir and ~180 stats per request, half of the drill server's time per AWS call
    (measured: 0.53 of 0.94 s over a drill's start). The list cannot change while the
    process runs, so it is listed once (seal() runs once per process)."""
    import moto.backends

    modules = tuple(moto.backends.list_of_moto_modules())
    moto.backends.list_of_moto_modules = lambda: iter(modules)
