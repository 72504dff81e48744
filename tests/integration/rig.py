"""The network test rig shared by the delivery and queue tests: the
webhook emulator, DNS and SNTP servers, and a provisioned device, all inside
the private namespace (the device reaches them at 10.0.2.2)."""
import os
import subprocess

import pytest

import pbdevice
from conftest import ROOT
from netservers import DnsServer, SntpServer
from webhook_emulator import WebhookEmulator

HOST = "10.0.2.2"
PKI = os.path.join(ROOT, "build", "testpki")
ORG, HOOK, SECRET = "contoso", "port_trigger", "Deliv3ry-S3cret"
pbdevice.SECRETS.add(SECRET)


def pem(name):
    with open(os.path.join(PKI, name)) as f:
        return f.read()


class Rig:
    """Emulator, DNS and SNTP servers, and a provisioned device."""

    def __init__(self, tmp_path, chain="chain.pem", key="leaf.key", ntp=True, extra=""):
        self.emu = WebhookEmulator(os.path.join(PKI, chain), os.path.join(PKI, key),
                                   webhooks={(ORG, HOOK): SECRET})
        self.dns = DnsServer({"dev.azure.com": HOST})
        self.ntp = SntpServer()
        for s in (self.emu, self.dns, self.ntp):
            s.start()
        self.workdir = str(tmp_path)
        self.dev = None
        self.boot()
        config = (f'{{"org":"{ORG}","webhook":"{HOOK}","secret":"{SECRET}","port":"{self.emu.port}",'
                  f'"dns":"{HOST}:{self.dns.port}","action.deploy":{{"environment":"prod"}},'
                  f'"button.up.long":"deploy","blueprint":"service"'
                  + (f',"ntp":"{HOST}:{self.ntp.port}"' if ntp else "") + extra + "}")
        _, _, final = self.dev.command("config import " + config)
        assert final == "OK", final
        final = self.ca_add(pem("root.pem"))
        assert final.startswith("OK ca="), final
        if ntp:
            self.wait_synced()

    def boot(self):
        """Starts QEMU on the rig's folder (and NVM file) and waits for the
        network; returns the EVT boot line."""
        self.dev = pbdevice.Device(workdir=self.workdir, net=True)
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
        self.dev.send("ca add\r\n")
        for line in text.strip().splitlines():
            self.dev.send(line + "\r\n")
        while True:
            line = self.dev.readline(timeout=20)
            if line.startswith("OK") or line.startswith("ERR "):
                return line

    def close(self):
        if self.dev is not None:
            self.dev.close()
        for s in (self.emu, self.dns, self.ntp):
            s.stop()


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
