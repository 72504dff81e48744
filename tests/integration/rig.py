"""The network test rig shared by the delivery and queue tests: the
webhook emulator, DNS and SNTP servers (tools/netrig.py), and a provisioned
device, all inside the private namespace (the device reaches them at
10.0.2.2)."""
import os
import subprocess

import pytest

import pbdevice
from conftest import ROOT
from netrig import QEMU_HOST as HOST  # noqa: F401 (the tests' name for it)
from netrig import NetRig

PKI = os.path.join(ROOT, "build", "testpki")
ORG, HOOK, SECRET = "contoso", "port_trigger", "Deliv3ry-S3cret"
pbdevice.SECRETS.add(SECRET)

# Heap figures the TLS tests measured ({"chain", "tls", "heap_peak",
# "tls_pool_peak", "heap_size", "outcome"}), printed at the end of the run
# (conftest.py).
TLS_FIGURES = []


def pem(name):
    with open(os.path.join(PKI, name)) as f:
        return f.read()


class Rig:
    """Emulator, DNS and SNTP servers, and a provisioned device."""

    def __init__(self, tmp_path, chain="chain.pem", key="leaf.key", ntp=True, extra="", anchors=("root.pem",),
                 qemu_extra=(), config=None, follow=False, **net):
        """net: the emulator's settings (tools/netrig.py: versions,
        max_record, tickets, resumption, require_sni, groups; projects=,
        pats=, run_plan= for the Builds API); anchors: the test PKI files
        added with `ca add`; qemu_extra: more QEMU arguments (-icount);
        config: more keys (a dict) over the rig's; follow: the Builds API's
        project and PAT too (spec section 8)."""
        self.qemu_extra = tuple(qemu_extra)
        self.net = NetRig(PKI, {(ORG, HOOK): SECRET}, chain=chain, key=key, **net).start()
        self.emu, self.dns, self.ntp = self.net.emu, self.net.dns, self.net.ntp
        self.workdir = str(tmp_path)
        self.dev = None
        self.boot()
        config = {"org": ORG, "webhook": HOOK, "secret": SECRET, **self.net.device_config(ntp=ntp, follow=follow),
                  "action.deploy": {"environment": "prod"}, "button.up.long": "deploy",
                  "blueprint": "service", **(config or {})}
        # The anchors first: adding one unsets the secret (endpoint binding).
        for anchor in anchors:
            final = self.ca_add(pem(anchor))
            assert final.startswith("OK ca="), (anchor, final)
        # extra: more members, as JSON text (",\"key\":\"value\"...")
        text = pbdevice.minified(config)[:-1] + extra + "}"
        if extra:
            _, _, final = self.dev.command("config import " + text)
        else:
            final = pbdevice.import_config(self.dev, config)  # one line or begin/commit
        assert final == "OK", final
        if ntp:
            self.wait_synced()

    def boot(self):
        """Starts QEMU on the rig's folder (and NVM file) and waits for the
        network; returns the EVT boot line."""
        self.dev = pbdevice.Device(workdir=self.workdir, net=True, extra=self.qemu_extra)
        line = self.dev.readline()
        self.dev.prime()
        self.dev.expect(r"^EVT net up ", timeout=20)
        return line

    def power_cut(self):
        """Kills QEMU at once: the firmware gets no chance to finish anything."""
        self.dev.kill()
        self.dev = None

    def wait_synced(self):
        if not any(line.startswith("EVT time synced ") for line in self.dev.lines):
            self.dev.expect(r"^EVT time synced ", timeout=20)

    def ca_add(self, text):
        return pbdevice.ca_add(self.dev, text)

    def close(self):
        if self.dev is not None:
            self.dev.close()
        self.net.stop()


def outcome(dev, run_id, timeout=40):
    """The attempt's closing event for run_id (delivered, retry or error)."""
    m, _ = dev.expect(rf"^EVT (delivered|retry|error) id={run_id} ", timeout=timeout)
    return m.string


def make_pki():
    subprocess.run(["bash", os.path.join(ROOT, "tools", "testpki.sh"), PKI], check=True, capture_output=True)
    return PKI


def need_netns():
    if not pbdevice.in_private_netns():
        pytest.skip("network tests run inside tools/netns")
