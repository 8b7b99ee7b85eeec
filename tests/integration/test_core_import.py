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


def test_state_is_read_only_after_create(client, database):
    n = new_incident(client).ticket()["number"]
    with unchanged(database, client, "incidents", n):
        patch(client, "incidents", n, user="admin1", expect=422, code="invalid-field",
              state="closed")
    act(client, "incidents", n, "cancel")
