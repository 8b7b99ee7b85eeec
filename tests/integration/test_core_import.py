# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""Migration import through the core: a <state> on create only with an <opened> and a role
granted import (403 otherwise), only a state of the kind (422), never outside the schema
(400); the state is read-only after the create. Each refusal changes nothing."""
import pytest

from conftest import assert_error
from incident_util import (H, act, body, new_incident, nothing_changed, patch, rfc,
                           schema_ready, unchanged, utcnow)  # noqa: F401 (autouse fixture)


@pytest.mark.parametrize("coll,user,fields,status,code", [
    ("incidents", "admin1", {"state": "bogus", "opened": True}, 422, "invalid-field"),
    ("incidents", "admin1", {"state": "routed", "opened": True}, 422, "invalid-field"),
    ("incidents", "admin1", {"state": "in-triage", "opened": True}, 422, "invalid-field"),
    ("cases", "admin1", {"state": "in-progress", "opened": True}, 422, "invalid-field"),
    ("cases", "admin1", {"state": "resolved", "opened": True}, 422, "invalid-field"),
    ("incidents", "admin1", {"state": "in-progress"}, 422, "invalid-field"),
    ("cases", "admin1", {"state": "closed"}, 422, "invalid-field"),
    ("incidents", "agent1", {"state": "in-progress"}, 422, "invalid-field"),
    ("incidents", "agent1", {"state": "in-progress", "opened": True}, 403, "forbidden"),
    ("incidents", "im1", {"state": "resolved", "opened": True}, 403, "forbidden"),
    ("cases", "alice", {"state": "closed", "opened": True}, 403, "forbidden"),
    ("incidents", "admin1", {"state": "In Progress", "opened": True}, 400, "schema-invalid"),
])
def test_import_state_refused(client, database, coll, user, fields, status, code):
    fields = dict(fields, title="bad import", description="x", impact="low", urgency="low")
    if fields.get("opened"):
        fields["opened"] = rfc(utcnow() - 2 * H)
    if coll == "cases":
        fields.pop("impact"), fields.pop("urgency")
    with nothing_changed(database):
        r = client.post("/" + coll, body(coll, **fields), user=user)
        assert_error(r, status, code)


@pytest.mark.parametrize("opened,message", [
    ("1970-01-01T00:00:00Z", "must be a past time after 1970-01-01T00:00:00Z"),
    ("1970-01-01T01:00:00+01:00", "must be a past time after 1970-01-01T00:00:00Z"),
    ("0001-01-01T00:00:00Z", "must be a past time after 1970-01-01T00:00:00Z"),
    ("1969-12-31T23:59:59Z", "must be a past time after 1970-01-01T00:00:00Z"),
    ("2099-01-01T00:00:00Z", "must be a past time after 1970-01-01T00:00:00Z"),
    ("2026-03-26T24:00:00Z", "must be an RFC 3339 time with its offset"),
])
def test_an_import_opened_at_the_epoch_or_before_or_ahead_is_refused(client, database, opened,
                                                                     message):
    """<opened> at the epoch (many an export's "no date": its clocks were never started) or
    before it (a year 1 was written as "1-01-01", outside the schema), or in the future, is
    422 naming the range; 24:00, which the schema lets through, is named as a format error
    (it was "must be a past time"). Nothing written."""
    with nothing_changed(database):
        r = client.post("/incidents", body("incidents", title="bad import", description="x",
                                           impact="low", urgency="low", opened=opened),
                        user="admin1")
        assert_error(r, 422, "invalid-field")
    assert message in r.findtext("i:message"), r.text


def test_an_import_opened_a_second_after_the_epoch_starts_its_clocks(client):
    r = client.post("/incidents", body("incidents", title="old import", description="x",
                                       impact="low", urgency="low",
                                       opened="1970-01-01T00:00:01Z"), user="admin1")
    assert r.status == 201, r
    targets = r.findall("i:sla/i:target")
    assert targets and all(x.get("due") and x.get("status") == "breached" for x in targets), \
        r.text
    act(client, "incidents", r.ticket()["number"], "cancel")


def test_state_is_read_only_after_create(client, database):
    n = new_incident(client).ticket()["number"]
    with unchanged(database, client, "incidents", n):
        patch(client, "incidents", n, user="admin1", expect=422, code="invalid-field",
              state="closed")
    act(client, "incidents", n, "cancel")
