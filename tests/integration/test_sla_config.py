# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""A service-level file that does not hold together stops httpd at start-up with a clear
line (ITSM00009), and the shipped one starts: issue 4, 'Bad input and faults'."""
import os

import pytest

from conftest import REPO, assert_refuses_to_start

SHIPPED = open(os.path.join(REPO, "conf", "itsm-sla.xml")).read()
BUSINESS_OPEN = '<open days="mon tue wed thu fri" from="08:00" to="18:00"/>'


def variant(old, new):
    assert old in SHIPPED, old
    return SHIPPED.replace(old, new, 1)


BAD_SLA = [
    ("overlapping-periods",
     variant(BUSINESS_OPEN, BUSINESS_OPEN + '<open days="tue" from="17:00" to="19:00"/>'),
     r"ITSM00009.*overlap"),
    ("malformed-period", variant('from="08:00"', 'from="8 o\'clock"'), r"ITSM00009.*validate"),
    ("start-after-end", variant('from="08:00" to="18:00"', 'from="18:00" to="08:00"'),
     r"ITSM00009"),
    ("holiday-not-a-date", variant('date="2026-12-25"', 'date="2026-12-32"'), r"ITSM00009"),
    ("holiday-twice", variant('<holiday date="2026-12-28"',
                              '<holiday date="2026-12-25" name="again"/><holiday date="2026-12-28"'),
     r"ITSM00009.*2026-12-25"),
    ("unknown-zone", variant('zone="Europe/London"', 'zone="Europe/Atlantis"'),
     r"ITSM00009.*Atlantis"),
    ("doctype", '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "x">]>' + SHIPPED.split("?>", 1)[1],
     r"ITSM00009.*DOCTYPE"),
    ("not-xml", "<serviceLevels", r"ITSM00009"),
]


@pytest.mark.parametrize("text,pattern", [c[1:] for c in BAD_SLA], ids=[c[0] for c in BAD_SLA])
def test_bad_sla_file_refuses_to_start(env, make_httpd, text, pattern):
    path = os.path.join(env.base, "sla-%d.xml" % abs(hash(text)))
    with open(path, "w") as f:
        f.write(text)
    assert_refuses_to_start(env, make_httpd, "bad-sla", {"ITSMSLAFile": path}, pattern)


def test_missing_sla_file_refuses_to_start(env, make_httpd):
    assert_refuses_to_start(env, make_httpd, "no-sla",
                            {"ITSMSLAFile": "/nonexistent/itsm-sla.xml"}, r"ITSM00009")
