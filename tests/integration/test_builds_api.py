"""The webhook emulator's Builds API (tools/azure_builds.py through
tools/webhook_emulator.py), checked with Python's own TLS and HTTP clients on
127.0.0.1, the test root as the trust anchor: authentication, projects, the
build objects, chunked and plain answers over several TLS records, tag
filtering, order and $top, the simulated runs (on a clock the test moves) and
the faults.  No QEMU, root or namespace needed."""
import base64
import json
import os
import signal
import ssl
import subprocess
import sys

import pytest

from conftest import ROOT, assert_standard_library_only
import azure_builds
from azure_builds import NO_RUN, RunPlan
from test_emulator import BODY, HOOK, ORG, SECRET, Conn, RawTLS, post
from webhook_emulator import WebhookEmulator, describe_request

PROJECT, PAT, TOKEN = "Fabrikam Fiber", "pat-Build-Read-0123456789abcdef", "job-token.eyJ0eXAi"
RUN_ID = json.loads(BODY)["port_context"]["runId"]
ENVELOPE_KEYS = ["$id", "innerException", "message", "typeName", "typeKey", "errorCode", "eventId"]


class FakeClock:
    """The simulated runs' clock, moved by the test."""

    def __init__(self):
        self.t = 5000.0

    def __call__(self):
        return self.t

    def advance(self, seconds):
        self.t += seconds


def pkifile(pki, name):
    return os.path.join(pki, name)


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def emu(pki, clock):
    with WebhookEmulator(pkifile(pki, "chain.pem"), pkifile(pki, "leaf.key"),
                         webhooks={(ORG, HOOK): SECRET}, projects=[(ORG, PROJECT)],
                         pats={ORG: PAT}, clock=clock) as e:
        yield e
        assert e.errors == []


def ctx(pki):
    return ssl.create_default_context(cafile=pkifile(pki, "root.pem"))


def basic(pat, user=""):
    return "Basic " + base64.b64encode(f"{user}:{pat}".encode()).decode()


def path(project=PROJECT, build=None, **query):
    q = {"api-version": "7.1", **query}
    tail = f"/{build}" if build is not None else ""
    return (f"/{ORG}/{project.replace(' ', '%20')}/_apis/build/builds{tail}?" +
            "&".join(f"{k}={v}" for k, v in q.items()))


def get(emu, pki, target, auth=None, method="GET", body=None):
    """(status, headers with lower-case names, body) of one request."""
    conn = Conn(emu.port, ctx(pki))
    headers = {"Accept": "application/json", "User-Agent": "pipebutton/test"}
    if auth is not None:
        headers["Authorization"] = auth
    if body is not None:
        headers["Content-Type"] = "application/json"
    try:
        conn.request(method, target, body, headers)
        r = conn.getresponse()
        headers = {}
        for k, v in r.getheaders():          # repeated headers joined, as HTTP allows
            headers[k.lower()] = f"{headers[k.lower()]}, {v}" if k.lower() in headers else v
        return r.status, headers, r.read()
    finally:
        conn.close()


def listed(emu, pki, **query):
    status, headers, body = get(emu, pki, path(**query), basic(PAT))
    assert status == 200, body
    return json.loads(body), headers


def deliver(emu, pki, body=BODY):
    conn = Conn(emu.port, ctx(pki))
    try:
        return post(conn, body=body)[0]
    finally:
        conn.close()


def assert_envelope(body, key):
    doc = json.loads(body)
    assert [k for k in doc if k != "customProperties"] == ENVELOPE_KEYS
    assert doc["typeKey"] == key and key in doc["typeName"]
    return doc


# -- authentication and projects -------------------------------------------------

def test_a_pat_is_accepted_as_basic_only(emu, pki):
    assert get(emu, pki, path(), basic(PAT))[0] == 200
    assert get(emu, pki, path(), basic(PAT, user="anyone"))[0] == 200     # Azure ignores the user
    for auth, why in ((None, "no Authorization header"), (basic("wrong"), "unknown PAT"),
                      (f"Bearer {PAT}", "a PAT sent as Bearer (send it as Basic)"),
                      ("Basic !!notbase64", "Basic credentials are not base64 of UTF-8"),
                      (basic(PAT).replace("Basic", "Digest"), "unsupported scheme 'Digest'")):
        status, headers, body = get(emu, pki, path(), auth)
        assert status == 401, auth
        doc = assert_envelope(body, "UnauthorizedRequestException")
        assert doc["message"] == "TF400813: The user '' is not authorized to access this resource."
        assert "Bearer authorization_uri=" in headers["www-authenticate"]
        assert emu.builds_requests[-1].detail == why
    assert [r.verdict for r in emu.builds_requests] == ["builds-listed"] * 2 + ["unauthorized"] * 5


def test_a_pat_of_another_org_is_refused(emu, pki):
    emu.add_project("other", PROJECT)
    emu.add_pat("other", "other-pat")
    assert get(emu, pki, path(), basic("other-pat"))[0] == 401
    assert get(emu, pki, path().replace(f"/{ORG}/", "/other/"), basic("other-pat"))[0] == 200


def test_revoked_pat_gets_azures_expired_answer(emu, pki):
    emu.revoke_pat(ORG, PAT)
    status, _, body = get(emu, pki, path(), basic(PAT))
    assert status == 401
    assert body == (b'{"$id":"1","customProperties":{"Descriptor":null,"IdentityDisplayName":null,'
                    b'"Token":null,"RequestedPermissions":0,"NamespaceId":"00000000-0000-0000-0000-'
                    b'000000000000"},"innerException":null,"message":"Access Denied: The Personal '
                    b'Access Token used has expired.","typeName":"Microsoft.VisualStudio.Services.'
                    b'Security.AccessCheckException, Microsoft.VisualStudio.Services.WebApi",'
                    b'"typeKey":"AccessCheckException","errorCode":0,"eventId":3000}')


def test_unknown_project_is_404_but_only_after_authentication(emu, pki):
    status, _, body = get(emu, pki, path(project="Nope"), basic(PAT))
    assert status == 404
    doc = assert_envelope(body, "ProjectDoesNotExistWithNameException")
    assert doc["message"].startswith("TF200016: The following project does not exist: Nope.")
    assert get(emu, pki, path(project="Nope"), basic("wrong"))[0] == 401
    assert [r.verdict for r in emu.builds_requests] == ["project-not-found", "unauthorized"]


@pytest.mark.parametrize("project", ["Fabrikam Fiber", "fabrikam fiber", "FABRIKAM FIBER", "id"])
def test_project_by_name_in_any_case_or_by_id(emu, pki, project):
    if project == "id":
        project = emu.project_id(ORG, PROJECT)
    assert get(emu, pki, path(project=project), basic(PAT))[0] == 200


@pytest.mark.parametrize("query", ["", "api-version=7.0", "api-version=6.0-preview",
                                   "api-version=7.1&api-version=7.1"])
def test_api_version_is_7_1_exactly(emu, pki, query):
    target = f"/{ORG}/Fabrikam%20Fiber/_apis/build/builds" + (f"?{query}" if query else "")
    status, _, body = get(emu, pki, target, basic(PAT))
    assert status == 400 and emu.builds_requests[-1].verdict == "bad-api-version"
    assert_envelope(body, "VssVersionOutOfRangeException")


@pytest.mark.parametrize("query", [{"$top": "0"}, {"$top": "x"}, {"queryOrder": "newest"},
                                   {"definitions": "one"}, {"continuationToken": "-1"}])
def test_bad_query_values_are_400(emu, pki, query):
    status, _, _ = get(emu, pki, path(**query), basic(PAT))
    assert status == 400 and emu.builds_requests[-1].verdict == "bad-query"


def test_methods(emu, pki):
    status, headers, _ = get(emu, pki, path(), basic(PAT), method="POST", body=b"{}")
    assert status == 405 and headers["allow"] == "GET"
    bid = emu.add_build(ORG, PROJECT, tags=["x"])
    status, headers, _ = get(emu, pki, path(build=bid), basic(PAT), method="DELETE")
    assert status == 405 and headers["allow"] == "GET, PATCH"


def test_path_prefix_for_azure_devops_server(pki, clock):
    with WebhookEmulator(pkifile(pki, "tfs.pem"), pkifile(pki, "tfs.key"), path_prefix="/tfs",
                         projects=[("DefaultCollection", "Ops")], pats={"DefaultCollection": PAT},
                         clock=clock) as e:
        c = ssl.create_default_context(cafile=pkifile(pki, "tfs.pem"))
        conn = Conn(e.port, c, host="tfs.example.test")
        for target, want in (("/tfs/DefaultCollection/Ops/_apis/build/builds?api-version=7.1", 200),
                             ("/DefaultCollection/Ops/_apis/build/builds?api-version=7.1", 404)):
            conn.request("GET", target, headers={"Authorization": basic(PAT)})
            r = conn.getresponse()
            r.read()
            assert r.status == want, target
        conn.close()
        assert e.builds_url("DefaultCollection", "Ops", host="tfs.example.test", tagFilters="a") == \
            f"https://tfs.example.test:{e.port}/tfs/DefaultCollection/Ops/_apis/build/builds?" \
            "api-version=7.1&tagFilters=a"


# -- the build objects -------------------------------------------------------------------

def test_build_object_is_several_kb_with_nested_lookalikes(emu, pki):
    emu.builds_order = "azure"
    bid = emu.add_build(ORG, PROJECT, tags=[RUN_ID], status="completed", result="partiallySucceeded")
    status, _, body = get(emu, pki, path(build=bid), basic(PAT))
    assert status == 200
    assert 4096 <= len(body) <= 8192, len(body)
    b = json.loads(body)
    assert (b["id"], b["status"], b["result"], b["tags"]) == (bid, "completed", "partiallySucceeded", [RUN_ID])
    assert b["buildNumber"].endswith(".1") and b["uri"] == f"vstfs:///Build/Build/{bid}"
    # members of the same names inside other objects, with other values
    assert b["definition"]["id"] != bid and b["definition"]["project"]["state"] == "wellFormed"
    assert b["queue"]["pool"]["id"] == 9 and b["logs"]["id"] == 0
    assert b["validationResults"][0]["result"] == "warning"
    assert b["properties"]["status"] == {"$type": "System.String", "$value": "completed"}
    assert b["properties"]["deploymentGate"]["result"] == "canceled"
    assert b["templateParameters"] == {"status": "inProgress", "result": "failed", "id": "0",
                                       "buildNumber": "0.0"}
    keys = list(b)
    # Azure's order: the look-alikes come before the build's own members
    assert keys.index("properties") < keys.index("templateParameters") < keys.index("id") < \
        keys.index("status") < keys.index("result") < keys.index("definition")
    for k in ("_links", "plans", "project", "requestedFor", "requestedBy", "lastChangedBy",
              "orchestrationPlan", "repository", "queueTime", "startTime", "finishTime"):
        assert k in b
    text = body.decode("utf-8")
    # escaped quotes, backslashes and new lines; UTF-8 left as it is
    assert '\\"' in text and "\\\\" in text and "\\n" in text
    assert "Jos\u00e9" in text and "\u2014" in text and b"\\u" not in body


def test_member_order_changes_from_answer_to_answer(emu, pki):
    bid = emu.add_build(ORG, PROJECT, tags=["t"])
    orders = {tuple(json.loads(get(emu, pki, path(build=bid), basic(PAT))[2])) for _ in range(4)}
    assert len(orders) >= 3
    emu.builds_order = "azure"
    orders = {tuple(json.loads(get(emu, pki, path(build=bid), basic(PAT))[2])) for _ in range(2)}
    assert len(orders) == 1


def test_get_unknown_build_is_404(emu, pki):
    status, _, body = get(emu, pki, path(build=999999), basic(PAT))
    assert status == 404 and emu.builds_requests[-1].verdict == "build-not-found"
    assert_envelope(body, "BuildNotFoundException")
    assert get(emu, pki, path(build="abc"), basic(PAT))[0] == 400


# -- filtering, order, $top ------------------------------------------------------------------------

def test_tag_filter_order_top_and_continuation(emu, pki, clock):
    ids = []
    for tags in (["r1"], ["r2"], ["r1", "extra"], ["r1"]):
        ids.append(emu.add_build(ORG, PROJECT, tags=tags))
        clock.advance(1)
    doc, _ = listed(emu, pki, tagFilters="r1")
    assert doc["count"] == 3 and [b["id"] for b in doc["value"]] == [ids[3], ids[2], ids[0]]  # newest first
    doc, _ = listed(emu, pki, tagFilters="r1", queryOrder="queueTimeAscending", **{"$top": "1"})
    assert doc["count"] == 1 and doc["value"][0]["id"] == ids[0]
    doc, headers = listed(emu, pki, tagFilters="r1", queryOrder="queueTimeAscending", **{"$top": "2"})
    assert [b["id"] for b in doc["value"]] == [ids[0], ids[2]]
    token = headers["x-ms-continuationtoken"]
    doc, headers = listed(emu, pki, tagFilters="r1", queryOrder="queueTimeAscending",
                          continuationToken=token, **{"$top": "2"})
    assert [b["id"] for b in doc["value"]] == [ids[3]] and "x-ms-continuationtoken" not in headers
    doc, _ = listed(emu, pki, tagFilters="r1,extra")               # every tag listed
    assert [b["id"] for b in doc["value"]] == [ids[2]]
    doc, _ = listed(emu, pki, tagFilters="nothing")
    assert doc == {"count": 0, "value": []}
    doc, _ = listed(emu, pki)
    assert doc["count"] == 4
    assert emu.builds_requests[1].query == [("api-version", "7.1"), ("tagFilters", "r1"),
                                            ("queryOrder", "queueTimeAscending"), ("$top", "1")]


def test_definitions_filter(emu, pki):
    a = emu.add_build(ORG, PROJECT, tags=["r"], definition="deploy")
    b = emu.add_build(ORG, PROJECT, tags=["r"], definition="smoke-tests")
    da, db = emu.build(a).definition_id, emu.build(b).definition_id
    assert da != db
    assert [x["id"] for x in listed(emu, pki, tagFilters="r", definitions=str(db))[0]["value"]] == [b]
    assert listed(emu, pki, tagFilters="r", definitions=f"{da},{db}")[0]["count"] == 2


# -- chunked and plain answers, several TLS records ---------------------------------------------------

def raw_get(emu, pki, target, tls12=False):
    """(TLS records received, head text, body bytes as sent) of one GET."""
    c = ctx(pki)
    if tls12:
        c.maximum_version = ssl.TLSVersion.TLSv1_2
    c = RawTLS(emu.port, c)
    c.send((f"GET {target} HTTP/1.1\r\nHost: dev.azure.com\r\nAuthorization: {basic(PAT)}\r\n"
            "Accept: application/json\r\nConnection: close\r\n\r\n").encode())
    data = b""
    while True:
        try:
            chunk = c._run(c.obj.read, 65536)
        except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
            break
        if not chunk:
            break
        data += chunk
    records = c.records()
    c.close()
    head, _, body = data.partition(b"\r\n\r\n")
    return records, head.decode("latin-1"), body


def dechunk(body):
    out, sizes, lines = b"", [], []
    while True:
        line, _, body = body.partition(b"\r\n")
        lines.append(line)
        n = int(line.split(b";")[0], 16)
        if n == 0:
            assert body == b"\r\n"
            return out, sizes, lines
        out, body = out + body[:n], body[n:]
        assert body[:2] == b"\r\n"
        body = body[2:]
        sizes.append(n)


@pytest.mark.parametrize("tls12", [False, True])
def test_chunked_answer_in_varied_chunks_and_records(emu, pki, tls12):
    for i in range(3):
        emu.add_build(ORG, PROJECT, tags=[RUN_ID], status="inProgress")
    emu.builds_chunked = True
    records, head, body = raw_get(emu, pki, path(tagFilters=RUN_ID), tls12)
    assert "Transfer-Encoding: chunked" in head and "Content-Length" not in head
    data, sizes, lines = dechunk(body)
    doc = json.loads(data)
    assert doc["count"] == 3 and all(b["status"] == "inProgress" for b in doc["value"])
    assert "result" not in doc["value"][0]
    assert len(set(sizes)) >= 4 and min(sizes) == 1 and max(sizes) >= 1500
    assert any(b";" in ln for ln in lines) and any(ln != ln.lower() for ln in lines[:-1])
    app = [n for t, n, _ in records if t == 23]
    assert len(app) >= 5 and len(set(app)) >= 4              # several records of different sizes
    # and http.client (a real client) reads it the same, also with the head dribbled
    status, headers, plain = get(emu, pki, path(tagFilters=RUN_ID), basic(PAT))
    assert status == 200 and json.loads(plain)["count"] == 3
    emu.builds_fault = "slow-headers,times=1,chunk=64,delay=0"
    status, headers, plain = get(emu, pki, path(tagFilters=RUN_ID), basic(PAT))
    assert status == 200 and json.loads(plain)["count"] == 3


def test_plain_answer_spans_several_records(emu, pki):
    emu.add_build(ORG, PROJECT, tags=[RUN_ID])
    records, head, body = raw_get(emu, pki, path(tagFilters=RUN_ID))
    assert f"Content-Length: {len(body)}" in head and "chunked" not in head
    assert "Content-Type: application/json; charset=utf-8; api-version=7.1" in head
    assert json.loads(body)["count"] == 1
    assert len([r for r in records if r[0] == 23]) >= 3
    emu.builds_writes = None
    records, _, body = raw_get(emu, pki, path(tagFilters=RUN_ID))
    assert json.loads(body)["count"] == 1


# -- simulated runs ---------------------------------------------------------------------------------

def seen(emu, pki, **query):
    """(status, result) of value[0] the way the device asks, or None."""
    doc, _ = listed(emu, pki, tagFilters=RUN_ID, queryOrder="queueTimeAscending", **{"$top": "1"}, **query)
    if not doc["value"]:
        return None
    b = doc["value"][0]
    return b["status"], b.get("result")


@pytest.mark.parametrize("result", ["succeeded", "partiallySucceeded", "failed", "canceled"])
def test_a_run_goes_through_its_states(emu, pki, clock, result):
    emu.run_plan = RunPlan(result, queued_s=2, running_s=5, cancelling_s=1)
    assert deliver(emu, pki) == 200
    r = emu.requests[0]
    assert r.verdict == "accepted" and r.build_id == emu.builds()[0].id
    timeline = []
    for _ in range(10):
        timeline.append(seen(emu, pki))
        clock.advance(1)
    want = [None, None] + [("inProgress", None)] * 5
    want += [("cancelling", None)] if result == "canceled" else []
    want += [("completed", result)] * (10 - len(want))
    assert timeline == want
    b = emu.builds()[0]
    assert (b.run_id, b.tags, b.webhook, b.reason) == (RUN_ID, (RUN_ID,), HOOK, "resourceTrigger")


def test_tag_visible_before_the_job_starts_and_result_none(emu, pki, clock):
    emu.run_plan = RunPlan("failed", queued_s=3, running_s=2, appear_s=0, pending_result="none")
    deliver(emu, pki)
    assert seen(emu, pki) == ("notStarted", "none")
    clock.advance(3)
    assert seen(emu, pki) == ("inProgress", "none")
    clock.advance(2)
    assert seen(emu, pki) == ("completed", "failed")
    doc, _ = listed(emu, pki, tagFilters=RUN_ID)
    b = doc["value"][0]
    assert b["queueTime"] < b["startTime"] < b["finishTime"]


def test_no_run_starts(emu, pki, clock):
    emu.run_plan = NO_RUN
    assert deliver(emu, pki) == 200
    clock.advance(3600)
    assert seen(emu, pki) is None and emu.builds() == []
    emu.run_plan = None                         # the default: no simulated runs at all
    deliver(emu, pki)
    assert emu.builds() == []


def test_planned_runs_come_first_then_the_default(emu, pki, clock):
    emu.run_plan = "succeeded,queued=1,running=1"
    emu.plan_runs(NO_RUN, "failed,queued=1,running=1")
    ids = []
    for seq in (1, 2, 3):
        body = BODY.replace(RUN_ID.encode(), f"pb-525400123456-7-{seq}".encode())
        deliver(emu, pki, body)
        ids.append(emu.requests[-1].build_id)
    clock.advance(10)
    assert ids[0] is None
    assert [(b.run_id, b.result) for b in emu.builds()] == [("pb-525400123456-7-2", "failed"),
                                                           ("pb-525400123456-7-3", "succeeded")]


def test_a_refused_call_starts_no_run_a_lost_answer_does(emu, pki, clock):
    emu.run_plan = RunPlan(queued_s=0, running_s=1)
    emu.fault = "503,times=1"
    assert deliver(emu, pki) == 503
    conn = Conn(emu.port, ctx(pki))
    assert post(conn, sig="00" * 20)[0] == 500          # a bad signature starts nothing either
    conn.close()
    assert emu.builds() == []
    emu.fault = "drop,times=1"                          # Azure queued it; the answer was lost
    with pytest.raises(Exception):
        deliver(emu, pki)
    assert deliver(emu, pki) == 200                     # the device's retry: a second run, same tag
    doc, _ = listed(emu, pki, tagFilters=RUN_ID, queryOrder="queueTimeAscending")
    assert doc["count"] == 2
    assert [r.build_id is not None for r in emu.requests if r.route is None] == [False, False, True, True]


def test_run_goes_to_the_plans_project_and_none_without_one(emu, pki, clock):
    emu.add_project(ORG, "Other")
    emu.run_plan = RunPlan(project="other", queued_s=0)
    deliver(emu, pki)
    assert [b.project for b in emu.builds()] == ["Other"]
    emu.run_plan = RunPlan(project="missing")
    deliver(emu, pki)
    assert len(emu.builds()) == 1


def test_run_plan_text():
    assert RunPlan.parse("failed,queued=2,running=5,appear=0,cancelling=1.5,project=P,pending=none") == \
        RunPlan("failed", queued_s=2, running_s=5, appear_s=0, cancelling_s=1.5, project="P",
                pending_result="none")
    assert RunPlan.parse("none") == NO_RUN and not NO_RUN.starts
    for bad in ("won", "failed,queued=x", "failed,speed=1", "failed,queued=-1", "failed,pending=null"):
        with pytest.raises(ValueError):
            RunPlan.parse(bad)
    assert RunPlan("canceled", queued_s=1, running_s=2).describe() == \
        "notStarted 1 s, inProgress 2 s, cancelling 1 s, then canceled"


# -- cancelling (PATCH) -------------------------------------------------------------------------------

def test_cancel_needs_a_job_token_that_may_stop_builds(emu, pki, clock):
    emu.add_job_token(ORG, TOKEN)
    emu.add_job_token(ORG, "stopper", stop_builds=True)
    bid = emu.add_build(ORG, PROJECT, tags=["r"], plan=RunPlan(queued_s=0, running_s=60))
    body = b'{"status":"cancelling"}'
    for auth in (basic(PAT), f"Bearer {TOKEN}"):
        status, _, resp = get(emu, pki, path(build=bid), auth, method="PATCH", body=body)
        assert status == 403 and "needs Stop builds permissions" in json.loads(resp)["message"]
    assert get(emu, pki, path(build=bid), basic(TOKEN), method="PATCH", body=body)[0] == 401
    status, _, _ = get(emu, pki, path(build=bid), "Bearer stopper", method="PATCH", body=b'{"keepForever":true}')
    assert status == 400 and emu.builds_requests[-1].verdict == "bad-json"
    status, _, resp = get(emu, pki, path(build=bid), "Bearer stopper", method="PATCH", body=body)
    assert status == 200 and json.loads(resp)["status"] == "cancelling"
    assert emu.build(bid).cancel_requested
    clock.advance(1)
    assert (emu.build(bid).status, emu.build(bid).result) == ("completed", "canceled")
    assert [r.auth for r in emu.builds_requests] == ["basic", "bearer", "basic", "bearer", "bearer"]


def test_bearer_job_token_reads(emu, pki):
    emu.add_job_token(ORG, TOKEN)
    assert get(emu, pki, path(), f"Bearer {TOKEN}")[0] == 200


# -- faults ------------------------------------------------------------------------------------------

def test_builds_faults_leave_the_webhook_alone_and_back(emu, pki):
    emu.builds_fault = "429,times=1,retry-after=3"
    assert deliver(emu, pki) == 200                          # the webhook is not affected
    status, headers, body = get(emu, pki, path(), basic(PAT))
    assert status == 429 and headers["retry-after"] == "3" and "x-ratelimit-resource" in headers
    assert assert_envelope(body, "RequestBlockedException")
    assert get(emu, pki, path(), basic(PAT))[0] == 200       # times=1: over
    emu.fault = "503,times=1"
    assert get(emu, pki, path(), basic(PAT))[0] == 200       # nor the Builds API by `fault`
    assert deliver(emu, pki) == 503
    emu.builds_fault = "401,times=1"
    status, _, body = get(emu, pki, path(), basic(PAT))
    assert status == 401 and json.loads(body)["typeKey"] == "AccessCheckException"
    emu.builds_fault = "404,times=1"
    status, _, body = get(emu, pki, path(), basic(PAT))
    assert status == 404 and PROJECT in json.loads(body)["message"]
    emu.builds_fault = "status=502,times=1"
    assert get(emu, pki, path(), basic(PAT))[0] == 502
    emu.builds_fault = "drop,times=1"
    with pytest.raises(Exception):
        get(emu, pki, path(), basic(PAT))
    assert get(emu, pki, path(), basic(PAT))[0] == 200
    verdicts = [r.verdict for r in emu.builds_requests]
    assert verdicts == ["fault:429", "builds-listed", "builds-listed", "fault:401", "fault:404",
                        "fault:status=502", "fault:drop", "builds-listed"]
    with pytest.raises(ValueError):
        emu.builds_fault = "tls-alert"


def test_log_lines_and_no_credentials(emu, pki):
    emu.add_job_token(ORG, TOKEN)
    get(emu, pki, path(tagFilters=RUN_ID), basic(PAT))
    get(emu, pki, path(), f"Bearer {TOKEN}")
    lines = [describe_request(r) for r in emu.builds_requests]
    assert f"GET {ORG}/{PROJECT} builds -> 200 builds-listed tagFilters={RUN_ID} (count=0)" in lines[0]
    for text in lines:
        assert PAT not in text and TOKEN not in text


def test_cli_serves_the_builds_api_and_prints_runs(pki):
    proc = subprocess.Popen([sys.executable, os.path.join(ROOT, "tools", "webhook_emulator.py"),
                             "--cert", pkifile(pki, "chain.pem"), "--key", pkifile(pki, "leaf.key"),
                             "--webhook", f"{ORG}/{HOOK}={SECRET}", "--project", f"{ORG}/{PROJECT}",
                             "--pat", f"{ORG}={PAT}", "--runs", "failed,queued=0,running=0", "--builds-chunked"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        port = int(proc.stdout.readline().rsplit(":", 1)[1])
        proc.stdout.readline()
        intro = proc.stdout.readline()
        emu = type("E", (), {"port": port})
        assert deliver(emu, pki) == 200
        accepted, run = proc.stdout.readline(), proc.stdout.readline()   # in this order
        status, headers, body = get(emu, pki, path(tagFilters=RUN_ID), basic(PAT))
        line = proc.stdout.readline()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=5) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    assert f"projects: {ORG}/{PROJECT}; PATs: 1; runs: notStarted 0 s, inProgress 0 s, then failed (chunked)" in intro
    assert "build=1201" in accepted
    assert run.startswith("run: build 1201 (") and f"for runId={RUN_ID}" in run
    assert status == 200 and headers["transfer-encoding"] == "chunked"
    assert json.loads(body)["value"][0]["result"] == "failed"
    assert "builds -> 200 builds-listed" in line
    for text in (intro, accepted, run, line):
        assert PAT not in text


def test_module_is_standard_library_only():
    assert_standard_library_only("azure_builds")
    assert azure_builds.__file__.startswith(os.path.join(ROOT, "tools"))


def test_netrig_serves_the_builds_api(pki, clock):
    from netrig import NetRig
    with NetRig(pki, {(ORG, HOOK): SECRET}, projects=[(ORG, PROJECT)], pats={ORG: PAT},
                run_plan="canceled,queued=1,running=1", clock=clock) as net:
        config = net.device_config(follow=True)
        assert (config["project"], config["pat"]) == (PROJECT, PAT)
        assert "project" not in net.device_config()
        assert deliver(net.emu, pki) == 200
        clock.advance(3)
        assert seen(net.emu, pki) == ("completed", "canceled")
        net.emulator_down()
        net.emulator_up()
        assert seen(net.emu, pki) == ("completed", "canceled")      # builds outlive an outage
    with pytest.raises(ValueError):
        NetRig(pki, {(ORG, HOOK): SECRET}).device_config(follow=True)
