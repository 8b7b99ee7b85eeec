-- SPDX-License-Identifier: Apache-2.0 (see LICENSE)
-- POST a ticket to the collection in PATH (env), as AUTH_HEADER (env).
wrk.method = "POST"
wrk.path = os.getenv("PATH_CREATE") or "/itsm/tests"
wrk.headers["Content-Type"] = "application/xml"
wrk.headers["Authorization"] = os.getenv("AUTH_HEADER")
wrk.body = os.getenv("BODY") or [[<?xml version="1.0" encoding="UTF-8"?>
<ticket xmlns="urn:mod-itsm:xml:1"><title>Printer on floor 3 does not print</title><description>Since this morning the printer in room 3.14 shows error 0x42 and prints nothing.</description><priority>P3</priority></ticket>]]
