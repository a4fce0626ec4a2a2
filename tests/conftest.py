import os

import pytest

from tests.leaks import Snapshot, leaks_since, warm_multiprocessing


@pytest.fixture(scope="session", autouse=True)
def _private_settings(tmp_path_factory):
    """The app under test keeps its settings in a temporary folder, not in ~."""
    os.environ["PYSYSLAB_CONFIG_DIR"] = str(tmp_path_factory.mktemp("config"))


@pytest.fixture(scope="session", autouse=True)
def _multiprocessing_singletons():
    warm_multiprocessing()


@pytest.fixture(autouse=True)
def no_leaks(request):
    """Every test must leave no thread, child process or open fd behind."""
    if request.node.get_closest_marker("allow_leaks"):
        yield
        return
    before = Snapshot.take()
    yield
    problems = leaks_since(before)
    assert not problems, "; ".join(problems)
