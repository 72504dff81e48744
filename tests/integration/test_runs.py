"""Following the pipeline run a trigger started (spec section 8), the real
image in QEMU against the emulator's Builds API (tools/azure_builds.py: a
simulated run per accepted webhook call, Azure-shaped 5.6 KB build objects
with look-alike members, shuffled, chunked over several TLS records): each
ending (succeeded, failed, canceled, not-started), a PAT the API refuses, an
unknown project, a 429 with Retry-After, an outage while following, five
runs at once, polls around a backlog of deliveries, and the PAT never
printed.  Inside the private namespace, as the whole integration suite."""
import base64
import re
import time

import pytest

import pbdevice
from rig import ORG, Rig, need_netns
from netrig import NO_RUN

PROJECT = "Fabrikam Fiber"
PAT = "F0llow-PAT-9d2c41"
OTHER_PAT = "Other-PAT-55e0aa"
pbdevice.SECRETS.update({PAT, OTHER_PAT})
FAST = {"run.poll_s": "2"}


@pytest.fixture
def make_rig(tmp_path, pki):
    """make_rig(run_plan=..., config={...}, pats=...): a provisioned device
    following runs (project and PAT set) and the emulator that runs them."""
    need_netns()
    rigs = []

    def make(run_plan="succeeded,queued=1,running=3", config=None, pats=None, **net):
        r = Rig(tmp_path, follow=True, projects=[(ORG, PROJECT)], pats=pats or {ORG: PAT},
                run_plan=run_plan, config={**FAST, "pat": PAT, **(config or {})}, **net)
        rigs.append(r)
        r.emu.builds_chunked = True
        return r

    yield make
    for r in rigs:
        r.close()


def trigger(dev):
    _, _, final = dev.command("trigger")
    assert final.startswith("OK id="), final
    return final.split("=", 1)[1]


def delivered(dev, run_id, timeout=40):
    m, _ = dev.expect(rf"^EVT (delivered|retry|error) id={run_id} ", timeout=timeout)
    assert m.group(1) == "delivered", m.string


def run_event(dev, run_id, timeout=40):
    """The next EVT run of run_id, as its pairs."""
    m, _ = dev.expect(rf"^EVT run id={run_id} ", timeout=timeout)
    return pbdevice.parse_pairs(m.string)


def led_after_flash(dev, timeout=15):
    """`status led=` once the delivered flash (1.5 s on the device's clock)
    is over."""
    deadline = time.monotonic() + timeout
    while True:
        led = dev.status()["led"]
        if led != "delivered" or time.monotonic() > deadline:
            return led
        dev.drain(0.3)


def run_lines(dev):
    info, _, final = dev.command("run")
    assert final == "OK", final
    return {p["id"]: p for p in (dict(t.split("=", 1) for t in line.split()) for line in info)}


def test_a_press_is_followed_to_succeeded(make_rig):
    """The whole loop, as `make run` shows it: press, delivered, queued,
    running, succeeded; the LED and `run` along the way."""
    rig = make_rig("succeeded,queued=4,running=4,appear=0")
    dev = rig.dev
    dev.press("select", "short")
    m, _ = dev.expect(r"^EVT queued id=(\S+) action=trigger$", timeout=10)
    run_id = m.group(1)
    delivered(dev, run_id)
    queued = run_event(dev, run_id, timeout=20)
    build = rig.emu.builds()[0]
    assert queued == {"id": run_id, "build": str(build.id), "number": build.number, "state": "queued"}, queued
    assert dev.status()["led"] == "run-running"
    assert run_lines(dev)[run_id] == {"id": run_id, "build": str(build.id), "state": "queued", "result": "-"}
    assert run_event(dev, run_id, timeout=20)["state"] == "running"
    done = run_event(dev, run_id, timeout=20)
    assert done == {"id": run_id, "build": str(build.id), "number": build.number, "state": "completed",
                    "result": "succeeded"}, done
    st = dev.status()
    assert st["led"] == "run-succeeded"
    assert run_lines(dev)[run_id]["result"] == "succeeded"
    # the spec's query, the PAT as Basic, on the delivery's connection
    reqs = rig.emu.builds_requests
    assert reqs and all(r.verdict == "builds-listed" and r.auth == "basic" for r in reqs)
    q = dict(reqs[0].query)
    assert q == {"tagFilters": run_id, "queryOrder": "queueTimeAscending", "$top": "1", "api-version": "7.1"}
    assert reqs[0].project == PROJECT and reqs[0].target.startswith("/contoso/Fabrikam%20Fiber/_apis/build/builds?")
    assert reqs[0].header("Authorization") == "Basic " + base64.b64encode(f":{PAT}".encode()).decode()
    assert len({r.conn_id for r in rig.emu.requests}) == 1
    assert int(st["run_polls"]) == len(reqs) and st["run_polls_failed"] == "0"
    # nothing more is asked about it
    n = len(reqs)
    dev.drain(5)
    assert len(rig.emu.builds_requests) == n
    # the result shows until the next press
    dev.press("up", "short")
    dev.expect(r"^EVT press button=up kind=short$")
    assert dev.status()["led"] != "run-succeeded"


def test_failed_and_canceled_runs_followed_at_once(make_rig):
    rig = make_rig()
    rig.emu.plan_runs("failed,queued=1,running=2", "canceled,queued=1,running=4")
    dev = rig.dev
    a, b = trigger(dev), trigger(dev)
    results = {}
    deadline = time.monotonic() + 60
    while len(results) < 2 and time.monotonic() < deadline:
        m, _ = dev.expect(rf"^EVT run id=({a}|{b}) .*state=completed", timeout=30)
        p = pbdevice.parse_pairs(m.string)
        results[p["id"]] = p["result"]
    assert results == {a: "failed", b: "canceled"}
    assert dev.status()["led"] == "run-failed"
    lines = run_lines(dev)
    assert lines[a]["state"] == lines[b]["state"] == "completed"
    assert (lines[a]["result"], lines[b]["result"]) == ("failed", "canceled")


def test_no_build_within_run_wait_s_is_not_started(make_rig):
    rig = make_rig(NO_RUN, config={"run.wait_s": "5"})
    dev = rig.dev
    run_id = trigger(dev)
    delivered(dev, run_id)
    t0 = time.monotonic()
    assert run_event(dev, run_id, timeout=20) == {"id": run_id, "state": "not-started"}
    assert time.monotonic() - t0 > 3  # after run.wait_s (5 s), not at the first poll
    assert rig.emu.builds() == []
    assert all(dict(r.query)["tagFilters"] == run_id for r in rig.emu.builds_requests)
    assert dev.status()["led"] == "run-failed"
    assert run_lines(dev)[run_id] == {"id": run_id, "build": "-", "state": "not-started", "result": "-"}


def test_a_pat_the_api_refuses_is_unauthorized(make_rig):
    rig = make_rig(pats={ORG: OTHER_PAT})  # the device's PAT is not the org's
    dev = rig.dev
    run_id = trigger(dev)
    delivered(dev, run_id)
    assert run_event(dev, run_id, timeout=20) == {"id": run_id, "state": "lost", "reason": "unauthorized"}
    assert [r.verdict for r in rig.emu.builds_requests] == ["unauthorized"]
    assert run_lines(dev)[run_id]["reason"] == "unauthorized"
    # a revoked PAT: Azure's 401 for an expired token, the same
    rig.emu.add_pat(ORG, PAT)
    rig.emu.revoke_pat(ORG, PAT)
    run_id = trigger(dev)
    assert run_event(dev, run_id, timeout=30) == {"id": run_id, "state": "lost", "reason": "unauthorized"}


def test_an_unknown_project_is_not_found(make_rig):
    rig = make_rig(config={"project": "No Such Project"})
    dev = rig.dev
    run_id = trigger(dev)
    assert run_event(dev, run_id, timeout=30) == {"id": run_id, "state": "lost", "reason": "not-found"}
    (req,) = rig.emu.builds_requests
    assert req.verdict == "project-not-found" and req.project == "No Such Project"


def test_a_429_with_retry_after_holds_the_polls(make_rig):
    rig = make_rig("succeeded,queued=1,running=12")
    dev = rig.dev
    rig.emu.builds_fault = "429,times=1,retry-after=7"
    run_id = trigger(dev)
    delivered(dev, run_id)
    assert rig.emu.wait_for_builds_requests(1, timeout=15)
    assert rig.emu.wait_for_builds_requests(2, timeout=15)
    first, second = rig.emu.builds_requests[:2]
    assert first.verdict == "fault:429" and second.verdict == "builds-listed"
    # not before Retry-After (the device's clock runs no faster than this one)
    assert second.time - first.time >= 6.5, second.time - first.time
    done = run_event(dev, run_id, timeout=30)
    while done["state"] != "completed":
        done = run_event(dev, run_id, timeout=30)
    assert done["result"] == "succeeded"
    assert int(dev.status()["run_polls_failed"]) == 1


def test_an_outage_while_following(make_rig):
    """The link goes down, and the server with it for longer: polls fail
    (a reset, refused connections) and wait for the next; the run is
    followed to its end."""
    rig = make_rig("succeeded,queued=1,running=22")
    dev = rig.dev
    run_id = trigger(dev)
    assert run_event(dev, run_id, timeout=30)["state"] == "running"
    dev.set_link(False)
    rig.net.emulator_down()
    dev.drain(6)
    dev.set_link(True)
    dev.drain(6)
    assert int(dev.status()["run_polls_failed"]) >= 1
    rig.net.emulator_up()
    done = run_event(dev, run_id, timeout=60)
    assert done["state"] == "completed" and done["result"] == "succeeded", done
    assert not any(line.startswith(f"EVT run id={run_id} state=lost") for line in dev.lines)


def test_five_triggers_the_oldest_gives_way(make_rig):
    rig = make_rig("succeeded,queued=1,running=60", config={"run.poll_s": "30"})
    dev = rig.dev
    ids = []
    for _ in range(5):
        ids.append(trigger(dev))
        delivered(dev, ids[-1])
    lost = run_event(dev, ids[0], timeout=10)
    assert lost == {"id": ids[0], "state": "lost", "reason": "capacity"}
    lines = run_lines(dev)
    assert list(lines) == ids
    assert lines[ids[0]]["state"] == "lost" and lines[ids[0]]["reason"] == "capacity"
    assert all(lines[i]["state"] == "waiting" for i in ids[1:])
    assert led_after_flash(dev) == "run-running"
    assert not any(f"EVT run id={i} " in line for line in dev.lines for i in ids[1:])


def test_polls_wait_for_a_backlog_of_deliveries(make_rig):
    """Polls go on while triggers wait out a Retry-After, and stop while a
    backlog is due: between the first and last delivery of the backlog the
    emulator sees no Builds API call (the device runs one exchange at a
    time, so the emulator's log is the device's order)."""
    rig = make_rig("succeeded,queued=1,running=40")
    dev = rig.dev
    first = trigger(dev)
    assert run_event(dev, first, timeout=30)["state"] == "running"
    rig.emu.fault = "503,retry-after=600"  # the webhook only; the Builds API answers
    backlog = [trigger(dev) for _ in range(3)]
    for run_id in backlog:
        dev.expect(rf"^EVT retry id={run_id} attempt=1 in_ms=600000 reason=503$", timeout=30)
    polls = len(rig.emu.builds_requests)
    dev.drain(5)
    assert len(rig.emu.builds_requests) > polls  # polls go on meanwhile
    # each delivery of the backlog now takes over a second (the answer's head
    # dribbles in), so polls (every 2 s) fall due while the backlog drains
    rig.emu.fault = "slow-headers,chunk=8,delay=0.05"
    rig.emu.clear()
    _, _, final = dev.command("queue retry all")
    assert final == "OK count=3", final
    for run_id in backlog:
        delivered(dev, run_id)
    rig.emu.fault = None
    dev.drain(5)
    log = [("post" if r.route is None else "get", r) for r in rig.emu.requests]
    posts = [i for i, (kind, _) in enumerate(log) if kind == "post"]
    assert len(posts) == 3
    assert posts == list(range(posts[0], posts[0] + 3)), [k for k, _ in log]
    assert [r.json["port_context"]["runId"] for _, r in (log[i] for i in posts)] == backlog
    assert any(kind == "get" for kind, _ in log[posts[-1]:])  # following goes on after
    lines = run_lines(dev)
    assert all(run_id in lines for run_id in [first] + backlog)


def test_the_pat_is_write_only_and_leaves_no_copy(device, tmp_path):
    """`config get pat` refused, shown as <set>, masked when typed with echo
    on (any spacing), and a replaced PAT gone from the NVM file; Device.close()
    checks that no byte ever printed holds it."""
    old = "Old-PAT-0d9a71f3"
    pbdevice.SECRETS.add(old)
    _, _, final = device.command(f"config set pat {old}")
    assert final == "OK"
    _, _, final = device.command("config get pat")
    assert final.startswith("ERR secret-write-only: ")
    device.command("echo on")
    device.send(f"config  set   pat {PAT}\r")
    device.expect(r"^OK$")
    device.command("echo off")
    info, _, _ = device.command("config show")
    assert "pat=<set>" in info and "project=" in info
    assert "run.wait_s=180" in info and "run.poll_s=10" in info and "run.follow_s=7200" in info
    with open(tmp_path / "pipebutton-nvm.bin", "rb") as f:
        nvm = f.read()
    assert old.encode() not in nvm and nvm.count(PAT.encode()) == 1
    _, _, final = device.command("config reset yes")
    with open(tmp_path / "pipebutton-nvm.bin", "rb") as f:
        assert PAT.encode() not in f.read()
    info, _, _ = device.command("config show")
    assert "pat=<unset>" in info


def test_provisioning_sends_the_pat_like_the_secret(device, tmp_path):
    """tools/provision takes the PAT from PB_PAT (or --pat-file), never from
    the file or the command line, and prints no byte of it."""
    import json
    import os
    import subprocess
    from conftest import ROOT
    tool = os.path.join(ROOT, "tools", "provision")
    path = tmp_path / "device.json"
    path.write_text(json.dumps({"org": "fabrikam", "webhook": "hook", "project": PROJECT, "run.poll_s": "5"}))
    device.detach_console()
    env = dict(os.environ, PB_SECRET="Prov-S3cret-for-runs", PB_PAT=PAT)
    pbdevice.SECRETS.add("Prov-S3cret-for-runs")
    r = subprocess.run(["/usr/bin/python3", tool, "--socket", device.console_path, "--reset", str(path)],
                       capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert PAT not in r.stdout + r.stderr
    pat_file = tmp_path / "pat.txt"
    pat_file.write_text(OTHER_PAT + "\n")
    r = subprocess.run(["/usr/bin/python3", tool, "--socket", device.console_path, "--pat-file", str(pat_file),
                        str(path)], capture_output=True, text=True, env=dict(os.environ), timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    device.attach_console()
    info, _, _ = device.command("config show")
    assert "pat=<set>" in info and f"project={PROJECT}" in info and "run.poll_s=5" in info
    with open(tmp_path / "pipebutton-nvm.bin", "rb") as f:
        nvm = f.read()
    assert OTHER_PAT.encode() in nvm and PAT.encode() not in nvm  # the first one replaced, and wiped
    # the PAT stays out of the file
    path.write_text(json.dumps({"pat": "in-the-file"}))
    r = subprocess.run(["/usr/bin/python3", tool, "--socket", device.console_path, str(path)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode != 0 and "--pat-env" in r.stderr
