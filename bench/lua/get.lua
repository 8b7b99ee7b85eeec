-- SPDX-License-Identifier: Apache-2.0 (see LICENSE)
-- Plain GET of the URL given to wrk, as AUTH_HEADER (env).
wrk.headers["Authorization"] = os.getenv("AUTH_HEADER")
