import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))

import pbdevice  # noqa: E402


@pytest.fixture
def device(tmp_path):
    """A freshly booted device whose `EVT boot` line has been read and whose
    buttons are primed.  Its QEMU runs in the test's own scratch directory."""
    if not os.path.exists(pbdevice.DEFAULT_ELF):
        pytest.fail(f"{pbdevice.DEFAULT_ELF} is missing: run make first")
    dev = pbdevice.Device(workdir=str(tmp_path))
    try:
        dev.boot_line = dev.readline()
        dev.prime()
        yield dev
    finally:
        dev.close()


@pytest.fixture
def netdevice(tmp_path):
    """A booted device on QEMU's user network, inside the private namespace;
    its buttons are primed.  Skipped outside tools/netns (make integration)."""
    if not pbdevice.in_private_netns():
        pytest.skip("network tests run inside tools/netns (make integration does that)")
    dev = pbdevice.Device(workdir=str(tmp_path), net=True)
    try:
        dev.boot_line = dev.readline()
        dev.prime()
        yield dev
    finally:
        dev.close()
