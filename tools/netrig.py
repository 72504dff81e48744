"""The servers a device under test talks to, started together: the Azure
DevOps webhook emulator (HTTPS with the test PKI of tools/testpki.sh), a DNS
server that answers the webhook's host name, and an SNTP server.  Used by the
integration tests (tests/integration/rig.py) and the hardware test kit
(tests/hil).  Standard library only.

Two addresses are kept apart: `listen`, where the servers bind, and
`device_ip`, where the device reaches them and what the DNS server answers.
Under QEMU (spec section 7) the servers listen on 127.0.0.1 inside the private
namespace and the device reaches them at 10.0.2.2 through QEMU's user
network; for a real board (`make hil`) both are HOST_IP, an address of this
machine on the board's LAN, which only lan=True lets the servers bind.

    with NetRig(pki_dir, {("org", "hook"): "secret"}) as net:
        dev.command("config import " + json.dumps(dict(net.device_config(), org=...)))
        net.emulator_down()      # an outage: connections refused
        net.emulator_up()        # back on the same port
        net.serve_chain("expired-chain.pem", "expired-leaf.key")
        net.serve(versions="1.2", max_record=512)   # other TLS settings, same chain

TLS settings of the emulator (tools/webhook_emulator.py): `versions` "1.2",
"1.3" or "both" (the default), `max_record` (plaintext bytes per record the
server sends, 512..16384), `tickets`, `resumption`, `require_sni`.

The emulator also serves the Builds API that run following (spec section 8)
polls, with a simulated run per accepted webhook call (tools/azure_builds.py):

    with NetRig(pki, {("org", "hook"): "secret"}, projects=[("org", "Fabrikam")],
                pats={"org": "pat"}, run_plan=RunPlan("failed", queued_s=2, running_s=5)) as net:
        dev.command("config import " + json.dumps(dict(net.device_config(follow=True), ...)))
        net.emu.plan_runs(NO_RUN)            # the next call starts nothing
        net.emu.builds_fault = "429,times=1,retry-after=2"
        net.emu.revoke_pat("org", "pat")
"""
import os

from netservers import LOOPBACK, DnsServer, SntpServer
from webhook_emulator import NO_RUN, RunPlan, WebhookEmulator, tls_versions  # noqa: F401 (for the rig's users)

QEMU_HOST = "10.0.2.2"          # the host's loopback as QEMU's user network shows it
DEFAULT_HOST = "dev.azure.com"  # the device's default `host` (spec section 3)


class NetRig:
    """Emulator, DNS and SNTP.  ports=(https, dns, ntp): 0 picks free ones
    (inside the private namespace nothing else competes); a real LAN wants
    fixed ones that a firewall can let through.

    The Builds API: projects [(org, project), ...] and pats {org: pat} as
    the emulator takes them, run_plan for every accepted webhook call (a
    RunPlan or its text; None: no runs), clock for the runs' timeline."""

    def __init__(self, pki, webhooks, host_name=DEFAULT_HOST, listen=LOOPBACK, device_ip=QEMU_HOST,
                 chain="chain.pem", key="leaf.key", ports=(0, 0, 0), lan=False, versions="both",
                 max_record=None, tickets=True, resumption=True, require_sni=True, groups=None,
                 projects=(), pats=None, run_plan=None, clock=None):
        self.pki = pki
        self.host_name = host_name
        self.listen = listen
        self.device_ip = device_ip
        self.projects = list(projects)
        self.pats = dict(pats or {})
        min_version, max_version = tls_versions(versions)
        self.emu = WebhookEmulator(self.pki_file(chain), self.pki_file(key), port=ports[0],
                                   host=listen, webhooks=webhooks, lan=lan, min_version=min_version,
                                   max_version=max_version, max_record=max_record, tickets=tickets,
                                   resumption=resumption, require_sni=require_sni, groups=groups,
                                   projects=self.projects,
                                   pats=self.pats, run_plan=run_plan, clock=clock)
        self.dns = DnsServer({host_name: device_ip}, port=ports[1], host=listen, lan=lan)
        self.ntp = SntpServer(port=ports[2], host=listen, lan=lan)

    def pki_file(self, name):
        return os.path.join(self.pki, name)

    def start(self):
        started = []
        try:
            for s in (self.emu, self.dns, self.ntp):
                s.start()
                started.append(s)
        except BaseException:
            for s in started:
                s.stop()
            raise
        # later restarts (an outage, another chain) come back on the same port,
        # which the device has been told
        self.emu.requested_port = self.emu.port
        return self

    def stop(self):
        for s in (self.emu, self.dns, self.ntp):
            s.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def device_config(self, ntp=True, follow=False):
        """The configuration keys that point a device at these servers; with
        follow=True also `project` and `pat` (spec section 8) of the first
        project given and its org's PAT."""
        config = {"port": str(self.emu.port), "dns": f"{self.device_ip}:{self.dns.port}"}
        if ntp:
            config["ntp"] = f"{self.device_ip}:{self.ntp.port}"
        if self.host_name != DEFAULT_HOST:
            config["host"] = self.host_name
        if follow:
            if not self.projects:
                raise ValueError("follow=True needs projects=[(org, project)]")
            org, project = self.projects[0]
            config["project"] = project
            if org in self.pats:
                pat = self.pats[org]
                config["pat"] = pat if isinstance(pat, str) else pat[0]
        return config

    def emulator_down(self):
        """Stops the emulator: open connections are closed, new ones refused."""
        self.emu.stop()

    def emulator_up(self):
        """Starts it again on the same port (a no-op while it runs)."""
        if not self.emu.running:
            self.emu.start()

    def serve_chain(self, chain, key, **tls):
        """Serves another certificate chain from a fresh start: every open
        connection (a kept-alive one too) is closed first, so the device's next
        attempt meets the new chain.  The logs are cleared.  tls: settings to
        change as well (see serve())."""
        self.serve(chain, key, **tls)

    def serve(self, chain=None, key=None, require_sni=None, **tls):
        """A fresh start of the emulator, as serve_chain(), with a new chain
        (when given) and new TLS settings: versions, max_record, tickets,
        resumption (WebhookEmulator.configure_tls) and require_sni.  Sessions
        the device holds are declined afterwards (new ticket keys)."""
        self.emu.stop()
        if chain is not None:
            self.emu.set_certificate(self.pki_file(chain), self.pki_file(key))
        if tls:
            self.emu.configure_tls(**tls)
        if require_sni is not None:
            self.emu.require_sni = require_sni
        self.emu.clear()
        self.emu.start()
