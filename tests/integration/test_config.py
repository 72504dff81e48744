"""Durable configuration on the real image (spec sections 2, 3, 6): values
survive reboot and a QEMU restart, the NVM file is the device's flash, the
secret is never shown, and the provisioning tool sets a device up."""
import json
import os
import subprocess

import pbdevice
from conftest import ROOT, booted

SECRET = "Pr0v1s10n-S3cret/\\\"quoted\\\""  # also exercises JSON escapes
pbdevice.SECRETS.add("Pr0v1s10n-S3cret")
pbdevice.SECRETS.add("hand-typed-S3cret")
OLD_SECRETS = ("Old-Alpha-S3cret-41", "Old-Bravo-S3cret-42")
pbdevice.SECRETS.update(OLD_SECRETS)


def show(dev):
    info, _, final = dev.command("config show")
    assert final == "OK", final
    return dict(line.split("=", 1) for line in info)


def test_values_survive_reboot_and_restart(tmp_path):
    gen = booted(tmp_path)
    dev = next(gen)
    assert "nvm=" not in dev.boot_line
    for line in ("config set org contoso",
                 'config import {"webhook":"deploy","action.deploy":{"env": "prod"},"button.up.long":"deploy"}',
                 "config set secret hand-typed-S3cret"):  # last: the endpoint's keys unset it
        _, _, final = dev.command(line)
        assert final == "OK", (line, final)
    _, _, final = dev.command("reboot")
    assert dev.readline().startswith("EVT boot ")
    cfg = show(dev)
    assert cfg["org"] == "contoso" and cfg["webhook"] == "deploy" and cfg["secret"] == "<set>"
    assert cfg["action.deploy"] == '{"env":"prod"}'
    assert cfg["button.up.long"] == "deploy"
    gen.close()  # QEMU stops; the NVM file stays in tmp_path

    assert os.path.getsize(tmp_path / "pipebutton-nvm.bin") == (64 + 256) * 1024
    gen = booted(tmp_path)
    dev = next(gen)
    cfg = show(dev)
    assert cfg["org"] == "contoso" and cfg["secret"] == "<set>"
    # the long press of up is now mapped: it still reports the press
    dev.press("up", "long")
    m, _ = dev.expect(r"^EVT press button=up kind=long$")
    gen.close()

    os.remove(tmp_path / "pipebutton-nvm.bin")  # a factory reset by hand
    gen = booted(tmp_path)
    dev = next(gen)
    cfg = show(dev)
    assert cfg["org"] == "" and cfg["secret"] == "<unset>" and cfg["host"] == "dev.azure.com"
    gen.close()


def test_boot_counter_counts_every_boot_durably(tmp_path):
    gen = booted(tmp_path)
    dev = next(gen)
    assert dev.status()["boot"] == "1"
    assert dev.status()["nvm"] == "file"
    dev.command("reboot")
    dev.readline()
    assert dev.status()["boot"] == "2"
    _, _, final = dev.command("config reset yes")  # keeps the counter: run ids stay unique
    assert final == "OK"
    gen.close()
    gen = booted(tmp_path)
    dev = next(gen)
    assert dev.status()["boot"] == "3"
    gen.close()


def test_without_semihosting_the_device_runs_from_ram(tmp_path):
    dev = pbdevice.Device(workdir=str(tmp_path), semihosting=False)
    try:
        boot = dev.readline()
        assert boot.startswith("EVT boot ") and boot.endswith(" nvm=none")
        _, _, final = dev.command("config set org ram-only")
        assert final == "OK"
        assert show(dev)["org"] == "ram-only"
        dev.command("reboot")
        assert dev.readline().endswith(" nvm=none")
        assert show(dev)["org"] == ""
    finally:
        dev.close()
    assert not os.path.exists(tmp_path / "pipebutton-nvm.bin")


def test_secret_rules(device):
    _, _, final = device.command("config set secret hand-typed-S3cret")
    assert final == "OK"
    _, _, final = device.command("config get secret")
    assert final.startswith("ERR secret-write-only: ")
    _, _, final = device.command("echo on")
    device.send("config set secret hand-typed-S3cret\r")
    device.expect(r"^OK$")
    device.command("echo off")
    # Device.close() checks every byte printed for the secret


def test_replaced_and_reset_secrets_leave_no_copy_in_the_nvm_file(device, tmp_path):
    """Issue 12: the store only appended, so the NVM file kept every secret
    ever set, in clear."""
    a, b = OLD_SECRETS
    nvm = tmp_path / "pipebutton-nvm.bin"
    _, _, final = device.command(f"config set secret {a}")
    assert final == "OK"
    assert nvm.read_bytes().count(a.encode()) == 1
    for line in (f"config set secret {b}", "config reset yes"):
        _, _, final = device.command(line)
        assert final == "OK", (line, final)
    image = nvm.read_bytes()
    assert a.encode() not in image and b.encode() not in image
    assert show(device)["secret"] == "<unset>"


def test_bad_values_change_nothing(device):
    device.command("config set port 8443")
    for line, code in (("config set port 0", "bad-value"), ("config set colour red", "unknown-key"),
                       ('config import {"port":"1","org":"x y"}', "bad-value"),
                       ('config import {"port":"1",}', "bad-value"),
                       ("config set action.a [1,2]", "bad-value"),
                       ('config set action.a {"device":1}', "bad-value"),
                       ("config reset please", "bad-argument")):
        _, _, final = device.command(line)
        assert final.startswith(f"ERR {code}: "), (line, final)
    cfg = show(device)
    assert cfg["port"] == "8443" and cfg["org"] == ""


def test_provisioning_tool_end_to_end(device, tmp_path):
    config = {
        "org": "fabrikam", "webhook": "press-to-deploy", "host": "dev.azure.com",
        "blueprint": "service", "entity": "payments",
        "action.deploy": {"environment": "production", "replicas": 3, "tags": ["a", "b"]},
        "action.trigger": {"reason": "button"},
        "button.up.double": "deploy",
        # big enough to need a multi-line import
        "action.note": {"text": "x" * 400},
    }
    path = tmp_path / "device.json"
    path.write_text(json.dumps(config, indent=2))
    device.detach_console()
    env = dict(os.environ, PB_SECRET=SECRET)
    r = subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "tools", "provision"), "--socket",
                        device.console_path, "--reset", str(path)],
                       capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "set and verified" in r.stdout
    assert "Pr0v1s10n" not in r.stdout + r.stderr
    device.attach_console()
    cfg = show(device)
    assert cfg["org"] == "fabrikam" and cfg["secret"] == "<set>"
    assert json.loads(cfg["action.deploy"]) == config["action.deploy"]

    # a bad file is refused with a non-zero exit
    path.write_text(json.dumps({"org": "bad org"}))
    device.detach_console()
    r = subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "tools", "provision"), "--socket",
                        device.console_path, str(path)], capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode != 0
    assert "ERR bad-value" in r.stdout + r.stderr
    device.attach_console()
    # the secret stays out of the file: the tool refuses it there
    path.write_text(json.dumps({"secret": "in-the-file"}))
    r = subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "tools", "provision"), "--socket",
                        device.console_path, str(path)], capture_output=True, text=True, timeout=60)
    assert r.returncode != 0 and "--secret-env" in r.stderr


def test_ca_add_list_remove_in_qemu(tmp_path):
    pki = os.path.join(ROOT, "build", "testpki")
    subprocess.run(["bash", os.path.join(ROOT, "tools", "testpki.sh"), pki], check=True, capture_output=True)
    gen = booted(tmp_path)
    dev = next(gen)
    info, _, final = dev.command("ca list")
    assert final.startswith("OK")
    assert [line.split()[:2] for line in info[:4]] == [["b0", "builtin"], ["b1", "builtin"],
                                                      ["b2", "builtin"], ["b3", "builtin"]]
    assert "DigiCert_Global_Root_G2" in info[0]
    with open(os.path.join(pki, "root.pem")) as f:
        final = pbdevice.ca_add(dev, f.read())
    assert final == "OK ca=1 subject=pipebutton_Test_Root", final
    # garbage is refused and nothing is stored
    # valid base64 that is no certificate: refused at the END line
    final = pbdevice.ca_add(dev, "-----BEGIN CERTIFICATE-----\nQUJDRA==\n-----END CERTIFICATE-----")
    assert final.startswith("ERR bad-certificate: "), final
    # a leaf that is neither a CA nor self-signed is refused
    with open(os.path.join(pki, "leaf.pem")) as f:
        final = pbdevice.ca_add(dev, f.read())
    assert final.startswith("ERR bad-certificate: "), final
    dev.command("reboot")
    dev.readline()
    info, _, _ = dev.command("ca list")
    assert "1 added pipebutton_Test_Root" in info
    _, _, final = dev.command("ca remove b0")
    assert final.startswith("ERR bad-argument: ")
    _, _, final = dev.command("ca remove 1")
    assert final == "OK"
    info, _, _ = dev.command("ca list")
    assert not [line for line in info if "added" in line]
    gen.close()


def test_led_follows_the_configuration(device):
    assert device.status()["led"] == "unconfigured"
    _, _, final = device.command('config import {"org":"o","webhook":"w","secret":"hand-typed-S3cret"}')
    assert final == "OK"
    assert device.status()["led"] == "idle"
    device.command("config unset secret")
    assert device.status()["led"] == "unconfigured"
