# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""Public views (itsm_view_t, e.g. the major-incident banner at /itsm/major-incidents/active):
what every view refuses whoever declares it. What the incident banner shows is
test_incident_banner.py."""
import requests

from conftest import assert_error
from incident_util import nothing_changed, schema_ready  # noqa: F401 (autouse fixture)


def test_banner_refusals(client, database):
    with nothing_changed(database):
        r = requests.get(client.httpd.url + "/itsm/major-incidents/active", timeout=30)
        assert r.status_code == 401
        assert_error(client.post("/major-incidents/active", b"<x/>", user="im1"), 405,
                     "method-not-allowed")
