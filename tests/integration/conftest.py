import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))

import pbdevice  # noqa: E402


def booted(workdir, net=False):
    """Boots the image in QEMU in workdir, reads `EVT boot` into .boot_line and
    primes the buttons; yields the device and stops QEMU afterwards."""
    if not os.path.exists(pbdevice.DEFAULT_ELF):
        pytest.fail(f"{pbdevice.DEFAULT_ELF} is missing: run make first")
    dev = pbdevice.Device(workdir=str(workdir), net=net)
    try:
        dev.boot_line = dev.readline()
        dev.prime()
        yield dev
    finally:
        dev.close()


@pytest.fixture
def device(tmp_path):
    """A freshly booted device without a network, in the test's own scratch
    directory."""
    yield from booted(tmp_path)


@pytest.fixture
def netdevice(tmp_path):
    """A booted device on QEMU's user network, inside the private namespace.
    Skipped outside tools/netns (make integration runs there)."""
    if not pbdevice.in_private_netns():
        pytest.skip("network tests run inside tools/netns (make integration does that)")
    yield from booted(tmp_path, net=True)


@pytest.fixture(scope="session")
def pki():
    """The test PKI (build/testpki), made once per run."""
    from rig import make_pki
    return make_pki()


def assert_standard_library_only(module):
    """Importing tools/<module>.py (in a fresh interpreter) loads nothing from
    outside the standard library and tools/, so it runs on any machine with
    Python."""
    tools = os.path.join(ROOT, "tools")
    code = ("import sys; sys.path.insert(0, %r); before = set(sys.modules); import %s; "
            "import sysconfig, os; std = sysconfig.get_paths()['stdlib']; "
            "ok = (os.path.realpath(std), os.path.realpath(%r) + os.sep); "
            "bad = [m for m in set(sys.modules) - before if m != %r "
            "and getattr(sys.modules[m], '__file__', None) "
            "and not os.path.realpath(sys.modules[m].__file__).startswith(ok)]; "
            "print(bad); sys.exit(1 if bad else 0)") % (tools, module, tools, module)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes tens of seconds (-m 'not slow' leaves it out)")


def pytest_terminal_summary(terminalreporter):
    """The heap figures of the TLS tests (test_tls.py), one line each."""
    rig = sys.modules.get("rig")
    figures = getattr(rig, "TLS_FIGURES", None)
    if not figures:
        return
    terminalreporter.write_sep("-", "TLS heap on lm3s6965evb (status after the handshake)")
    for f in figures:
        terminalreporter.write_line(
            f"chain {f['chain']:<36} TLS {f['tls']:<4}  heap_peak={f['heap_peak']:>6} "
            f"tls_pool_peak={f['tls_pool_peak']:>6} of heap_size={f['heap_size']}  {f['outcome']}")
