# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""The repository itself: the licence is shipped and every source file says so."""
import os
import re
import subprocess
from collections import Counter

from conftest import REPO

SOURCES = (".c", ".h", ".py", ".xsd", ".sql", ".lua", ".conf", ".load", ".schema", ".ldif", ".ini")


def test_every_source_file_carries_the_licence_header():
    assert os.path.exists(os.path.join(REPO, "LICENSE"))
    files = subprocess.run(["git", "-C", REPO, "ls-files"], capture_output=True, text=True,
                           check=True).stdout.split()
    sources = [f for f in files if f.endswith(SOURCES) and not f.startswith("tests/integration/data/")]
    assert sources
    missing = [f for f in sources
               if "SPDX-License-Identifier: Apache-2.0" not in open(os.path.join(REPO, f)).read(400)]
    assert missing == []


def test_every_migration_is_installed():
    """`make install` ships the migrations Makefile.am lists: a file left out of the list
    would leave an installed server a schema short of a checkout's."""
    listed = open(os.path.join(REPO, "Makefile.am")).read()
    files = subprocess.run(["git", "-C", REPO, "ls-files", "schemas/sql"], capture_output=True,
                           text=True, check=True).stdout.split()
    migrations = [f for f in files if f.endswith(".sql")]
    assert migrations
    assert [f for f in migrations if f not in listed.split()] == []


def test_every_log_number_names_one_call_site():
    """A log line's ITSMnnnnn says where it was written: one number, one call site, never a
    number handed to a function that writes several lines with it."""
    files = subprocess.run(["git", "-C", REPO, "ls-files", "modules", "include"],
                           capture_output=True, text=True, check=True).stdout.split()
    site = re.compile(r"ITSMLOGNO\((\d+)\)|STORE_FAULT\([^,]+,\s*(\d+)")
    used = Counter(a or b for f in files if f.endswith((".c", ".h"))
                   for a, b in site.findall(open(os.path.join(REPO, f)).read()))
    assert len(used) > 80
    assert [n for n, times in used.items() if times > 1] == []
    # nor a number handed to a function that logs with it (one number, several lines)
    passed = re.compile(r"[,(]\s*ITSMLOGNO\(\d+\)\s*[,)]")
    assert [f for f in files if f.endswith((".c", ".h"))
            and passed.search(open(os.path.join(REPO, f)).read())] == []
