-- SPDX-License-Identifier: Apache-2.0 (see LICENSE)
-- GET of the URL given to wrk with Basic auth (AUTH_HEADER, env) and a browser's Accept:
-- the rendered page without the session cookie's cost (mod_session_crypto), to tell the
-- rendering's cost from the login's.
wrk.headers["Authorization"] = os.getenv("AUTH_HEADER")
wrk.headers["Accept"] = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
