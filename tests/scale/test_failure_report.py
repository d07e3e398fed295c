"""A failed test of this suite reports the end of each server's log (conftest.py's hook)."""
from types import SimpleNamespace

from .cluster import Cluster, Instance
from .conftest import LOG_LINE_CHARACTERS, LOG_TAIL_LINES, PG_URL, REDIS_URL, pytest_runtest_makereport


def report_of(funcargs, failed):
    """The report the hook leaves for a test that used ``funcargs``."""
    report = SimpleNamespace(failed=failed, sections=[])
    hook = pytest_runtest_makereport(SimpleNamespace(funcargs=funcargs), None)
    next(hook)
    try:
        hook.send(SimpleNamespace(get_result=lambda: report))
    except StopIteration:
        pass
    return report


def test_a_failed_test_reports_the_tail_of_each_servers_log(tmp_path):
    cluster = Cluster(PG_URL, REDIS_URL, tmp_path)
    instance = cluster.instances["qsm-a"] = Instance("qsm-a", "qsm", {}, tmp_path)
    traceback = "Traceback " + "x" * 5000 + " the error"
    instance.log_path.write_text("\n".join([*(f"line {n}" for n in range(100)), traceback]) + "\n")
    own_server = SimpleNamespace(log_path=tmp_path / "redis.log", log_tail=lambda lines: "ready")

    services = SimpleNamespace(redis=own_server)  # a test's own servers (test_frozen_dependencies.py)
    cluster_log, own_log = report_of({"cluster": cluster, "services": services}, failed=True).sections

    title, text = cluster_log
    assert title == f"qsm-a: last {LOG_TAIL_LINES} lines of {instance.log_path}"
    lines = text.splitlines()
    assert len(lines) == LOG_TAIL_LINES and lines[0] == f"line {101 - LOG_TAIL_LINES}"
    assert lines[-1].startswith("Traceback ") and lines[-1].endswith(" the error")
    assert len(lines[-1]) < LOG_LINE_CHARACTERS + 10
    assert own_log == (f"SimpleNamespace: last {LOG_TAIL_LINES} lines of {tmp_path / 'redis.log'}", "ready")
    assert report_of({"cluster": cluster}, failed=False).sections == []
