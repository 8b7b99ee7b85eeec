-- SPDX-License-Identifier: Apache-2.0 (see LICENSE)
-- GET of the URL given to wrk as a logged-in browser: the portal's session cookie (COOKIE,
-- env) and a browser's Accept header, so that the answer is the rendered HTML page.
wrk.headers["Cookie"] = os.getenv("COOKIE")
wrk.headers["Accept"] = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
