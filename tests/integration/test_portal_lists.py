# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""The portal's lists: filters kept in the form, empty inputs meaning "any", SLA status in
words (the colour only repeats it), paging, the agent's home links (triage queue, views)."""
import re

from conftest import NS
from incident_util import finish_incident, imp, new_incident, tag
from portal_util import Browser, form_of, forms, text
from test_portal_pages import new_case


def test_incident_list_filters_and_sla_words(httpd, client):
    for i, (impact, urgency) in enumerate([("high", "high"), ("low", "low"), ("high", "high")]):
        r = client.post("/incidents", "<incident xmlns='%s'><title>Filter %d</title>"
                        "<impact>%s</impact><urgency>%s</urgency></incident>"
                        % (NS, i, impact, urgency), user="agent1")
        assert r.status == 201, r.text
    b = Browser(httpd)
    b.login("agent1")
    # a filter form sends its empty inputs too: they mean "any", not "empty"
    page = b.page("/itsm/incidents?open=true&sla=&priority=P1&state=").text
    rows = [line for line in page.split("<tr>") if "Filter " in line]
    assert rows and all(">P1<" in row for row in rows)
    assert not [row for row in rows if "Filter 1" in row]
    f = [f for f in forms(page) if f["method"] == "get"][0]
    assert 'value="P1" selected' in page and 'value="true" selected' in page
    # the SLA status is a word in a tag; its class only repeats it
    assert "Within target" in text(page)
    assert 'class="tag sla-in-sla">Within target<' in page
    # the API reads ?priority=p1 as P1 (any case, trimmed): so does the filter's select
    page = b.page("/itsm/incidents?priority=p1&sort=-opened").text
    assert 'value="P1" selected' in page
    assert [line for line in page.split("<tr>") if "Filter 0" in line]
    assert not [line for line in page.split("<tr>") if "Filter 1" in line]
    # paging: one row a page, a link to the next keeps the filters
    page = b.page("/itsm/incidents?priority=P1&limit=1").text
    assert 'rel="next" href="?priority=P1&amp;offset=1&amp;limit=1"' in page


def test_a_list_row_shows_the_worst_of_its_clocks(httpd, client):
    """The SLA column of a row is its worst clock (breached, missed, warning, in-sla, met,
    not-started; "No target" without clocks), whatever the order of the clocks: P1 24x7
    incidents at known statuses (as test_core_lists builds them)."""
    cat = "Worst %s" % tag()
    hh = dict(impact="high", urgency="high", category=cat)
    inc = {   # (response, resolution) -> the word the row shows
        "Within target": new_incident(client, party="ALPE", **hh).ticket()["number"],
        "Breached": imp(client, "incidents", minutes=120, party="ALPE", state="in-progress",
                        **hh).ticket()["number"],     # response breached, resolution in-sla
        "Near target": imp(client, "incidents", minutes=12, party="ALPE",
                           **hh).ticket()["number"],  # response warning, resolution in-sla
        "Missed": imp(client, "incidents", minutes=120, party="ALPE", state="resolved",
                      resolution="old tool", **hh).ticket()["number"],  # missed, met
        "No target": imp(client, "incidents", minutes=120, party="ALPE", priority="P5",
                         **hh).ticket()["number"],    # P5: no clocks
    }
    try:
        b = Browser(httpd)
        b.login("agent1")
        page = b.page("/itsm/incidents?category=%s&limit=50" % cat.replace(" ", "+")).text
        rows = {n: row for row in page.split("<tr>")
                for n in re.findall(r"INC\d{7}", row)[:1]}
        for word, number in inc.items():
            status = {"Within target": "in-sla", "Breached": "breached", "Near target": "warning",
                      "Missed": "missed", "No target": "none"}[word]
            assert '<strong class="tag sla-%s">%s</strong>' % (status, word) in rows[number], \
                (word, rows[number])
    finally:
        for number in inc.values():
            finish_incident(client, number)


def test_agent_home_offers_the_triage_queue_and_the_board(httpd, client):
    old = new_case(client, title="Oldest first")
    b = Browser(httpd)
    b.login("agent1")
    home = b.page("/itsm/").text
    assert 'href="/itsm/cases?state=new&amp;sort=opened"' in home
    assert "Triage queue" in home
    assert 'href="/itsm/major-incidents/active"' in home
    queue = b.page("/itsm/cases?state=new&sort=opened&limit=500").text
    assert old in queue
    alice = Browser(httpd)
    alice.login("alice")
    assert "Triage queue" not in alice.page("/itsm/").text


def test_a_form_for_an_action_the_role_may_not_take(httpd, client):
    number = new_case(client)
    b = Browser(httpd)
    b.login("alice")
    page = b.page("/itsm/cases/%s?edit=details" % number).text     # her only form, but sign-out
    token = form_of(page, "/itsm/cases/" + number)["inputs"]["itsm-csrf"]
    r = b.post("/itsm/cases/%s/actions/triage" % number,
               {"itsm-csrf": token, "itsm-version": "1", "note": "I triage myself"})
    assert r.status_code == 403
    assert "do not allow" in r.text and "triage" in r.text
    doc = client.get("/cases/" + number, user="alice")
    assert doc.findtext("i:state") == "new" and doc.findtext("i:version") == "1"


def test_a_refusal_naming_two_fields_is_shown_whole(httpd, client):
    """A message naming several elements ("<assignee> and <group> of a case are set by the
    service desk") is not half put into the form's words (a reviewer's finding: "Assign to
    (login) and <group> ...")."""
    number = new_case(client)
    b = Browser(httpd)
    b.login("alice")
    f = form_of(b.page("/itsm/cases/%s?edit=details" % number).text, "/itsm/cases/" + number)
    r = b.post(f["action"], dict(f["inputs"], assignee="res1"))
    assert r.status_code == 403, r.status_code
    assert "&lt;assignee&gt; and &lt;group&gt; of a case are set by the service desk" in r.text
    assert client.get("/cases/" + number, user="alice").findtext("i:assignee") is None


def test_a_provider_sees_the_cases_of_the_party_it_acts_for(httpd, client):
    number = new_case(client, user="alice", title="Seen by the provider")
    b = Browser(httpd)
    b.login("prov1")
    page = b.page("/itsm/cases/" + number).text
    assert "Seen by the provider" in page
    assert "/actions/provide-info" not in page      # nothing asked yet: no reply to give
