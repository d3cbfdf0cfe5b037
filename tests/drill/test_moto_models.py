"""moto's model reads in a drill process (drill/moto_models.py): sealed, and each model once."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import botocore.loaders
import pytest

from breakglass_gui.drill import moto_models
from tests.support.fresh_python import run_python

# Tampered models where botocore's defaults look: the home's ~/.aws/models (read by moto's own
# loaders) and AWS_DATA_PATH (read by moto's own sessions). Planted for the services moto reads
# on a drill's path: their model (moto's loader), their name and their regions (its sessions).
PROBE = """
import os, sys
for root in (os.path.join(os.environ["HOME"], ".aws", "models"), os.environ["AWS_DATA_PATH"]):
    for service, version in (("logs", "2014-03-28"), ("sns", "2010-03-31")):
        folder = os.path.join(root, service, version)
        os.makedirs(folder)
        open(os.path.join(folder, "service-2.json"), "w").write('{"metadata": "tampered"')
if SEAL:  # set in front of this text by each test
    from breakglass_gui.drill import moto_models
    moto_models.seal()
from moto.core.utils import get_service_model, service_name_from_moto_package_name
from moto.logs.models import logs_backends
from moto.sns.models import sns_backends
print(get_service_model("logs").metadata["serviceId"])
print(service_name_from_moto_package_name("logs"))
print(len(logs_backends["123456789012"].regions), len(sns_backends["123456789012"].regions))
"""


def test_models_planted_in_the_home_and_the_data_path_are_not_read_by_moto(
    tmp_path: Path,
) -> None:
    env = {**os.environ, "HOME": str(tmp_path), "AWS_DATA_PATH": str(tmp_path / "data")}
    done = run_python("SEAL = True\n" + PROBE, env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["CloudWatch Logs", "logs"]
    logs_regions, sns_regions = map(int, done.stdout.split("\n")[2].split())
    assert logs_regions > 20 and sns_regions > 20  # botocore's own endpoint data, every region
    assert (tmp_path / ".aws" / "models" / "logs").is_dir()  # the plants were in place
    assert (tmp_path / "data" / "sns").is_dir()


def test_without_the_seal_moto_reads_the_planted_models(tmp_path: Path) -> None:
    """The probe above is a real attack on moto as it ships: it fails without the seal."""
    env = {**os.environ, "HOME": str(tmp_path), "AWS_DATA_PATH": str(tmp_path / "data")}
    done = run_python("SEAL = False\n" + PROBE, env)
    assert done.returncode != 0
    assert "JSONDecodeError" in done.stderr


def test_each_model_is_parsed_once_however_many_requests_race_for_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parsed: list[str] = []
    parse = botocore.loaders.JSONFileLoader.load_file

    def counting(self: botocore.loaders.JSONFileLoader, path: str) -> object:
        parsed.append(path)
        time.sleep(0.05)  # a slow disk: every racing thread is inside the read at once
        return parse(self, path)

    monkeypatch.setattr(botocore.loaders.JSONFileLoader, "load_file", counting)
    loader = moto_models._MotoLoader()
    start = threading.Barrier(4)
    models: list[object] = []

    def first_request() -> None:  # what each of moto's request threads does on its own
        start.wait()
        models.append(loader.load_service_model("s3", "service-2"))  # moto has extras for S3

    threads = [threading.Thread(target=first_request) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    s3 = os.path.join("botocore", "data", "s3", "2006-03-01", "service-2")
    read = [path for path in parsed if path.endswith(s3)]
    assert len(read) == 1 and len(models) == 4
    assert all(model is models[0] for model in models)


def test_moto_is_given_the_one_loader_for_every_model() -> None:
    moto_models.seal()
    import moto.core.utils

    assert moto.core.utils.create_loader() is moto.core.utils.create_loader()


def test_a_model_moto_has_no_extras_for_is_the_apps_own_parse() -> None:
    """IAM's model is parsed once for the app's clients and moto; S3's, which moto extends
    with extras of its own, is moto's own copy and leaves the app's as botocore ships it."""
    from breakglass_gui.core.aws.clients import shipped_models

    moto_models.seal()
    import moto.core.utils

    load = moto.core.utils._load_service_model
    assert load("iam", "service-2") is shipped_models().load_service_model("iam", "service-2")
    moto_s3 = load("s3", "service-2")
    app_s3 = shipped_models().load_service_model("s3", "service-2")
    assert moto_s3 is not app_s3
    extended = set(moto_s3["shapes"]) - set(app_s3["shapes"])
    assert extended  # moto's extras are in its copy only
