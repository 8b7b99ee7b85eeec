/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Read-only resources: lists (filters, sorts, ranges, stats), the aged view, the service and
 * identity documents, the feed, public views, a process's own resources and the desks. */
#include <apr_lib.h>
#include <apr_strings.h>
#include <http_core.h>
#include <http_protocol.h>
#include <http_request.h>
#include <util_script.h>
#include <string.h>

#include "request.h"
#include "itsm_codec.h"
#include "itsm_events.h"
#include "itsm_store.h"

APLOG_USE_MODULE(itsm);

#define DEFAULT_PAGE 50
#define MAX_PAGE 500

/* An RFC 3339 time parameter as bounds in whole seconds: *from the first second at or after
 * it, *to the last second before it. itsm_time_parse drops a fraction of a second (times are
 * stored to the second); here a fraction other than zero counts, so 10:00:00.5 is after the
 * ticket of 10:00:00. 0 when malformed. */
static int query_time(const char *v, apr_time_t *from, apr_time_t *to)
{
    const char *frac;
    apr_time_t t;
    apr_int64_t up;

    if (v == NULL)
        return 1;
    if (itsm_time_parse(&t, v) != APR_SUCCESS || t < apr_time_from_sec(2))
        return 0;
    up = apr_time_sec(t);
    if ((frac = strchr(v, '.')) != NULL && apr_isdigit(frac[1 + strspn(frac + 1, "0")]))
        up++;           /* x.5 is past x: the first whole second at or after it is x + 1 */
    if (from)
        *from = apr_time_from_sec(up);
    if (to)
        *to = apr_time_from_sec(up - 1);
    return 1;
}

/* "2026-11": its first and last second (UTC). 0 when malformed. */
static int query_month(apr_pool_t *p, const char *v, apr_time_t *from, apr_time_t *to)
{
    apr_time_t next;
    int y = 0, m = 0;

    if (v == NULL)
        return 1;
    if (strlen(v) != 7 || v[4] != '-' || !itsm_req_query_int(apr_pstrndup(p, v, 4), 1970, 9998, &y)
        || !itsm_req_query_int(v + 5, 1, 12, &m)
        || itsm_time_parse(from, apr_psprintf(p, "%04d-%02d-01T00:00:00Z", y, m)) != APR_SUCCESS
        || itsm_time_parse(&next, apr_psprintf(p, "%04d-%02d-01T00:00:00Z", m == 12 ? y + 1 : y,
                                              m == 12 ? 1 : m + 1)) != APR_SUCCESS)
        return 0;
    *to = next - apr_time_from_sec(1);
    return 1;
}

/* Parameters that are not filters: of lists, of counts. */
static const char *const list_params[] = { "limit", "offset", "sort", "q", "after", NULL };
static const char *const count_params[] = { "by", "month", NULL };

static const struct {
    const char *name;
    itsm_sort_e sort;
} sorts[] = {
    { "number", ITSM_SORT_NUMBER }, { "opened", ITSM_SORT_OPENED },
    { "updated", ITSM_SORT_UPDATED }, { "title", ITSM_SORT_TITLE },
};

/* A filter's value of field fd as the field stores it, NULL (and *why) for one it never
 * holds: a boolean, number, time or duration through the field's own parser ("1" is true,
 * "007" is 7); an enumeration's value ignoring case (?letter=q is Q, ?route=Guidance is
 * guidance); texts and names compared as given. */
static const char *filter_value(apr_pool_t *p, const itsm_field_t *fd, const char *text,
                                const char **why)
{
    const char *value, *const *e;

    text = itsm_text_trim(p, text);     /* as every type is stored */
    if (itsm_field_type(fd) == ITSM_TYPE_ENUM)
        for (e = fd->values; e && *e; e++)
            if (strcasecmp(*e, text) == 0)
                return *e;
    switch (itsm_field_type(fd)) {
    case ITSM_TYPE_ENUM:        /* none matched: the parser names the values */
    case ITSM_TYPE_BOOLEAN:
    case ITSM_TYPE_INTEGER:
    case ITSM_TYPE_DATETIME:
    case ITSM_TYPE_DURATION:
        if (itsm_field_check(fd, text, p, &value, why) == APR_SUCCESS)
            return value;
        if (itsm_field_type(fd) == ITSM_TYPE_BOOLEAN)
            *why = apr_pstrcat(p, *why, " (1 or 0 too)", NULL);
        return NULL;
    default:
        return text;
    }
}

/* The value of the common filter name (a field every kind has) into *value as the field
 * stores it (filter_value: ?priority=p2 is P2), NULL when the query has none; or the
 * refusal's message of a value the field never holds, an empty one too (?assignee= matched
 * nothing: it does not find the unassigned tickets). */
static const char *common_filter(const char **value, apr_pool_t *p, apr_table_t *args,
                                 const char *name)
{
    const char *text = apr_table_get(args, name), *why = NULL;

    *value = NULL;
    if (text && itsm_text_blank(text))     /* no ticket is in no state, of no party... */
        return apr_psprintf(p, "%s is empty: leave it out to list every %s.", name, name);
    if (text && (*value = filter_value(p, itsm_doc_common_field(name), text, &why)) == NULL)
        return apr_psprintf(p, "%s %s.", name, why);
    return NULL;
}

/* The query of a list (others: list_params) or a count (count_params) into f: common
 * filters, indexed fields of the kind, times. Anything else is refused: a filter that were
 * silently ignored would answer more than was asked. Returns OK or the error sent. */
static int parse_filter(itsm_req_t *q, apr_table_t *args, const char *const *others, itsm_filter_t *f)
{
    request_rec *r = q->r;
    const itsm_kind_t *k = q->route->kind;
    const apr_array_header_t *a = apr_table_elts(args);
    const apr_table_entry_t *e = (const apr_table_entry_t *)a->elts;
    static const char *const common[] = {
        "state", "priority", "party", "assignee", "group", "open", "min_age_days", "sla",
        "opened_after", "opened_before", "updated_after", "updated_before", NULL
    };
    const char *v;
    int i, age = 0;

    for (i = 0; i < a->nelts; i++) {
        const itsm_field_t *fd;

        if (itsm_doc_is_one_of(e[i].key, common) || itsm_doc_is_one_of(e[i].key, others))
            continue;
        if ((fd = itsm_doc_kind_field(k, e[i].key)) == NULL || itsm_doc_field_hidden(q, k, e[i].key))
            return itsm_resp_fail(q, HTTP_BAD_REQUEST, "bad-query",
                        apr_psprintf(r->pool, "Unknown query parameter '%s'.", e[i].key));
        if (!(fd->flags & ITSM_FIELD_INDEXED))
            return itsm_resp_fail(q, HTTP_BAD_REQUEST, "bad-query",
                        apr_psprintf(r->pool, "The field '%s' is not indexed: lists cannot "
                                     "filter on it.", e[i].key));
        if (f->nfields == ITSM_FILTER_FIELDS)   /* a repeat is refused before (repeated_arg) */
            return itsm_resp_fail(q, HTTP_BAD_REQUEST, "bad-query",
                        apr_psprintf(r->pool, "Filter on at most %d fields at once.",
                                     ITSM_FILTER_FIELDS));
        f->field[f->nfields] = fd->name;
        if ((f->value[f->nfields] = filter_value(r->pool, fd, e[i].val, &v)) == NULL)
            return itsm_resp_fail(q, HTTP_BAD_REQUEST, "bad-query",
                                  apr_psprintf(r->pool, "%s %s.", fd->name, v));
        f->nfields++;
    }
    if ((v = common_filter(&f->state, r->pool, args, "state")) != NULL
        || (v = common_filter(&f->priority, r->pool, args, "priority")) != NULL
        || (v = common_filter(&f->party, r->pool, args, "party")) != NULL
        || (v = common_filter(&f->assignee, r->pool, args, "assignee")) != NULL
        || (v = common_filter(&f->group, r->pool, args, "group")) != NULL)
        return itsm_resp_fail(q, HTTP_BAD_REQUEST, "bad-query", v);
    if ((v = apr_table_get(args, "open")) != NULL) {
        /* true: leave out the final states; false: only those (the finished tickets) */
        if ((strcmp(v, "true") != 0 && strcmp(v, "false") != 0) || !k->final_states)
            return itsm_resp_fail(q, HTTP_BAD_REQUEST, "bad-query",
                                  "open takes true or false (kinds with final states).");
        f->open = *v == 't' ? 1 : ITSM_OPEN_CLOSED;
    }
    if (!itsm_req_query_int(apr_table_get(args, "min_age_days"), 0, 100000, &age))
        return itsm_resp_fail(q, HTTP_BAD_REQUEST, "bad-query", "min_age_days takes a whole number of days.");
    if (age > 0)
        f->opened_to = r->request_time - apr_time_from_sec((apr_int64_t)age * 86400);
    if (!query_time(apr_table_get(args, "opened_after"), &f->opened_from, NULL)
        || !query_time(apr_table_get(args, "opened_before"), NULL,
                       apr_table_get(args, "min_age_days") ? NULL : &f->opened_to)
        || !query_time(apr_table_get(args, "updated_after"), &f->updated_from, NULL)
        || !query_time(apr_table_get(args, "updated_before"), NULL, &f->updated_to))
        return itsm_resp_fail(q, HTTP_BAD_REQUEST, "bad-query",
                    "opened_after, opened_before, updated_after and updated_before take an "
                    "RFC 3339 time (2026-11-23T09:00:00Z); opened_before does not go with "
                    "min_age_days.");
    if (apr_table_get(args, "opened_before") && apr_table_get(args, "min_age_days"))
        return itsm_resp_fail(q, HTTP_BAD_REQUEST, "bad-query", "opened_before does not go with min_age_days.");
    if ((v = apr_table_get(args, "sla")) != NULL) {
        if (!k->clocks || !itsm_store_sla_filterable(v))
            return itsm_resp_fail(q, HTTP_BAD_REQUEST, "bad-query",
                        "sla takes in-sla, warning, breached, met, missed or cancelled (kinds "
                        "with SLA clocks).");
        f->sla = v;
    }
    f->now = r->request_time;
    return OK;
}

/* The Forum deck's aged view: open tickets in scope by age bucket, with why each is ageing.
 * The buckets start at 0 and at each day of ITSMAgedBuckets (the deck's 14 30 60 90 120 by
 * default): "under 14", "14-29", ..., "120+". The counts are exact (one indexed pass over the
 * open tickets in scope, bucketed by opening time in SQL); each bucket lists its AGED_ITEMS
 * oldest tickets. */
#define AGED_ITEMS 100
int itsm_view_aged(itsm_req_t *q)
{
    static const int deck[] = { 14, 30, 60, 90, 120 };
    const apr_array_header_t *set = q->conf->aged_bounds;
    const int *bounds = set ? (const int *)set->elts : deck;
    int nb = set ? set->nelts : (int)(sizeof deck / sizeof deck[0]), b, complete = 1;
    request_rec *r = q->r;
    const itsm_kind_t *k = q->route->kind;
    apr_int64_t now = apr_time_sec(r->request_time);
    apr_array_header_t **rows;
    apr_int64_t *count;
    apr_time_t *edges;
    itsm_filter_t open = {0};
    itsm_xml_out_t *o;
    int rc, more, i;

    if (!k->final_states)
        return itsm_resp_not_found(q);
    if (!itsm_req_allowed(q, ITSM_ACTION_READ))
        return itsm_req_forbidden(q, ITSM_ACTION_READ);
    if (itsm_req_reads_published(q, k))  /* counts of working copies: its editors' */
        return itsm_req_forbidden(q, ITSM_ACTION_UPDATE);
    if ((rc = itsm_req_open_store(q)) != OK)
        return rc;
    rows = apr_pcalloc(r->pool, sizeof(*rows) * (nb + 1));
    count = apr_pcalloc(r->pool, sizeof(*count) * (nb + 1));
    edges = apr_pcalloc(r->pool, sizeof(*edges) * (nb + 1));
    /* age in whole days from lo to hi: opened in (now - (hi + 1) days, now - lo days] */
    for (b = 0; b < nb; b++)
        edges[b] = apr_time_from_sec(now - (apr_int64_t)bounds[b] * 86400 + 1);
    open.open = 1;
    if (itsm_store_count_opened(q->store, count, k->kind, q->scope, &open, edges, nb, r->pool)
        != APR_SUCCESS)
        return STORE_FAULT(q, 00140, "aged");
    for (b = 0; b <= nb; b++) {
        itsm_filter_t f = {0};

        f.open = 1;
        f.sort = ITSM_SORT_OPENED;
        f.limit = AGED_ITEMS;
        f.opened_to = apr_time_from_sec(now - (apr_int64_t)(b ? bounds[b - 1] : 0) * 86400);
        f.opened_from = b < nb ? edges[b] : 0;
        if (count[b] > 0
            && itsm_store_list(q->store, &rows[b], &more, k->kind, q->scope, &f, r->pool)
               != APR_SUCCESS)
            return STORE_FAULT(q, 00160, "aged bucket");
        if (count[b] == 0)
            rows[b] = apr_array_make(r->pool, 1, sizeof(itsm_ticket_t *));
        complete = complete && count[b] <= AGED_ITEMS;
    }
    o = itsm_xml_out_start(r->pool, "aged");
    itsm_xml_write_attribute(o, "collection", k->collection);
    itsm_xml_write_attribute(o, "at", itsm_time_format(r->pool, r->request_time));
    itsm_xml_write_attribute(o, "complete", (complete ? "true" : "false"));
    for (b = 0; b <= nb; b++) {
        itsm_xml_start_element(o, "bucket");
        itsm_xml_write_attribute(o, "days",
            (b == 0 ? apr_psprintf(r->pool, "under %d", bounds[0])
             : b == nb ? apr_psprintf(r->pool, "%d+", bounds[b - 1])
             : apr_psprintf(r->pool, "%d-%d", bounds[b - 1], bounds[b] - 1)));
        itsm_xml_write_attributef(o, "count", "%" APR_INT64_T_FMT, count[b]);
        for (i = 0; i < rows[b]->nelts; i++) {
            const itsm_ticket_t *t = APR_ARRAY_IDX(rows[b], i, itsm_ticket_t *);

            itsm_xml_start_element(o, "item");
            itsm_xml_write_attribute(o, "number", t->number);
            itsm_xml_write_attributef(o, "age", "%d",
                (int)((r->request_time - t->opened) / apr_time_from_sec(86400)));
            itsm_xml_write_attribute(o, "state", t->state);
            if (t->priority)
                itsm_xml_write_attribute(o, "priority", t->priority);
            itsm_xml_write_attribute(o, "reason",
                                     (k->ageing_reason ? k->ageing_reason(t) : t->state));
            itsm_xml_end_element(o);
        }
        itsm_xml_end_element(o);
    }
    return itsm_resp_send_doc(r, HTTP_OK, o);
}

/* Counts of the tickets in scope matching the filters, by a common column, the month of
 * opening or an indexed field: GET /{collection}/stats?by=priority&month=2026-11. */
int itsm_view_stats(itsm_req_t *q)
{
    static const char *const keys[] = {
        "state", "priority", "party", "group", "assignee", "month", NULL
    };
    request_rec *r = q->r;
    const itsm_kind_t *k = q->route->kind;
    apr_table_t *args = NULL;
    itsm_filter_t f = {0};
    apr_array_header_t *groups;
    itsm_xml_out_t *o;
    const char *by;
    int rc, i;

    if (!itsm_req_allowed(q, ITSM_ACTION_READ))
        return itsm_req_forbidden(q, ITSM_ACTION_READ);
    if (itsm_req_reads_published(q, k))
        return itsm_req_forbidden(q, ITSM_ACTION_UPDATE);
    if ((rc = itsm_req_query_args(q, &args)) != OK
        || (rc = parse_filter(q, args, count_params, &f)) != OK)
        return rc;
    by = apr_table_get(args, "by");
    /* a field the caller may not see is no key of theirs, as it is no filter (parse_filter) */
    if (by && !itsm_doc_is_one_of(by, keys)
        && (itsm_doc_kind_field(k, by) == NULL || !(itsm_doc_kind_field(k, by)->flags & ITSM_FIELD_INDEXED)
            || itsm_doc_field_hidden(q, k, by)))
        return itsm_resp_fail(q, HTTP_BAD_REQUEST, "bad-query",
                    "by takes state, priority, party, group, assignee, month or an indexed "
                    "field of the kind.");
    if (apr_table_get(args, "month")
        && (f.opened_from || f.opened_to
            || !query_month(r->pool, apr_table_get(args, "month"), &f.opened_from, &f.opened_to)))
        return itsm_resp_fail(q, HTTP_BAD_REQUEST, "bad-query",
                    "month takes YYYY-MM and goes without opened_after, opened_before and "
                    "min_age_days.");
    f.month = apr_table_get(args, "month");
    if ((rc = itsm_req_open_store(q)) != OK)
        return rc;
    if (itsm_store_count(q->store, &groups, k->kind, q->scope, &f, by, r->pool) != APR_SUCCESS)
        return STORE_FAULT(q, 00161, "stats");
    o = itsm_xml_out_start(r->pool, "stats");
    itsm_xml_write_attribute(o, "collection", k->collection);
    itsm_xml_write_attribute(o, "at", itsm_time_format(r->pool, r->request_time));
    if (by)
        itsm_xml_write_attribute(o, "by", by);
    for (i = 0; i < groups->nelts; i++) {
        const itsm_count_t *g = &APR_ARRAY_IDX(groups, i, itsm_count_t);

        itsm_xml_start_element(o, "group");
        if (g->key)
            itsm_xml_write_attribute(o, "key", g->key);
        itsm_xml_write_attributef(o, "count", "%" APR_INT64_T_FMT, g->count);
        itsm_xml_write_attributef(o, "open", "%" APR_INT64_T_FMT, g->open);
        if (g->open > 0)
            itsm_xml_write_attribute(o, "meanOpenAge",
                itsm_duration_format(r->pool, apr_time_from_sec(apr_time_sec(r->request_time)
                                                                - apr_time_sec(g->mean_opened))));
        if (g->finished > 0)
            itsm_xml_write_attribute(o, "meanTimeToResolve",
                itsm_duration_format(r->pool, g->mean_resolve));
        itsm_xml_end_element(o);
    }
    return itsm_resp_send_doc(r, HTTP_OK, o);
}

/* Readers of a versioned kind list its published versions by state and in number or
 * opening order only: the other filters and the update order are of the working copy. */
static int published_query(itsm_req_t *q, apr_table_t *args)
{
    static const char *const taken[] = { "limit", "offset", "sort", "state", "q", "after", NULL };
    const apr_array_header_t *a = apr_table_elts(args);
    const apr_table_entry_t *e = (const apr_table_entry_t *)a->elts;
    const char *sort = apr_table_get(args, "sort");
    int i;

    for (i = 0; i < a->nelts; i++)
        if (!itsm_doc_is_one_of(e[i].key, taken))
            break;
    if (sort && *sort == '-')
        sort++;
    if (i < a->nelts || (sort && strcmp(sort, "number") != 0 && strcmp(sort, "opened") != 0))
        return itsm_resp_fail(q, HTTP_BAD_REQUEST, "bad-query",
                    apr_psprintf(q->r->pool, "Published %s tickets are listed by state, limit, "
                                 "offset or after, and sort (number or opened) only.",
                                 q->route->kind->kind));
    return OK;
}

/* A snippet: the text, each matched word (between the store's marks) in <match>. */
static void write_snippet(apr_pool_t *p, itsm_xml_out_t *w, const char *s)
{
    itsm_xml_start_element(w, "snippet");
    while (*s) {
        apr_size_t n = strcspn(s, "\x01\x02");

        if (n)
            itsm_xml_write_string(w, apr_pstrndup(p, s, n));
        s += n;
        if (*s == '\x01')
            itsm_xml_start_element(w, "match");
        else if (*s == '\x02')
            itsm_xml_end_element(w);
        if (*s)
            s++;
    }
    itsm_xml_end_element(w);     /* closes an open <match> too */
}

/* Whether f narrows a search by anything but paging: a search so narrowed that finds nothing
 * tells of the filter, not of the knowledge base (a reader's state=draft is always empty),
 * so it is no gap. */
static int narrowed(const itsm_filter_t *f)
{
    return f->state || f->priority || f->party || f->assignee || f->group || f->nfields
           || f->open || f->opened_from || f->opened_to || f->updated_from || f->updated_to
           || f->sla;
}

/* Refuse a search: its own log line, then the error document. */
static int refuse_search(itsm_req_t *q, const char *why)
{
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, q->r, ITSMLOGNO(00901) "search of %s refused: %s",
                  q->route->kind->collection, why);
    return itsm_resp_fail(q, HTTP_BAD_REQUEST, "bad-query", why);
}

/* GET /{collection}?q=TEXT: the list in rank order, each item with its snippet; a first
 * page is counted in the search analytics (a miss, or the caller's last search), unless
 * the request counts nothing (q->uncounted: the portal's lookups while typing). */
static int do_search(itsm_req_t *q, itsm_call_t *c, const char *text, const itsm_filter_t *f,
                     int sorted)
{
    request_rec *r = q->r;
    const itsm_kind_t *k = q->route->kind;
    itsm_search_query_t *query;
    apr_array_header_t *rows;
    itsm_xml_out_t *o;
    const char *why, *normal;
    int more, i;

    if (!itsm_kind_searchable(k))
        return refuse_search(q, apr_psprintf(r->pool, "%s cannot be searched: q is for "
                                             "searchable collections.", k->collection));
    if (sorted)
        return refuse_search(q, "sort does not go with q: a search answers in rank order.");
    if (text[strspn(text, " \t\r\n")] == '\0')
        return refuse_search(q, "q is empty: give the words to search for.");
    if (itsm_search_parse(r->pool, text, 0, 0, &query, &why) != APR_SUCCESS)
        return refuse_search(q, why);
    if (itsm_store_search(q->store, &rows, &more, k->kind, q->scope, f, query, r->pool)
        != APR_SUCCESS)
        return STORE_FAULT(q, 00902, "search");
    if (APLOGrdebug(r)) {
        apr_uint64_t hits, misses;
        apr_size_t bytes;
        int entries;

        itsm_store_search_cache_stats(&hits, &misses, &entries, &bytes);
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, ITSMLOGNO(00701)
                      "search of %s: %s (cache: %" APR_UINT64_T_FMT " hits, %" APR_UINT64_T_FMT
                      " misses, %d entries, %" APR_SIZE_T_FMT " bytes)", k->collection,
                      itsm_store_search_hit(q->store) ? "hit" : "miss", hits, misses, entries,
                      bytes);
    }
    /* counted on a cache hit as on a miss: the analytics are of searches, not statements;
     * into the log of counts, which this search may find due and write; never fails it. Not
     * a miss longer than a gap may be (ITSM_GAP_QUERY_MAX); a longer search that found
     * something is the caller's last search all the same (a case raised after it is no
     * deflection of an earlier one); nor a narrowed search that found nothing */
    normal = itsm_search_normal(query);
    if (f->offset == 0 && itsm_search_terms(query) > 0 && !q->uncounted
        && (rows->nelts > 0 || (strlen(normal) <= ITSM_GAP_QUERY_MAX && !narrowed(f)))) {
        itsm_search_flush_t flushed;

        if (itsm_store_search_count(q->store, k->kind, q->who->party, q->who->uid,
                                    normal, rows->nelts > 0, r->request_time,
                                    &flushed, r->pool) != APR_SUCCESS) {
            if (flushed.searches)   /* the log's write failed, not this search's count */
                ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, ITSMLOGNO(00851)
                              "search counts: %s",
                              itsm_core_flush_failed(r->pool, &flushed, itsm_resp_store_error(q)));
            else
                ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, ITSMLOGNO(00903)
                              "store: counting a search of %s: %s", k->collection,
                              itsm_resp_store_error(q));
        }
    }
    o = itsm_xml_out_start(r->pool, "list");
    itsm_xml_write_attribute(o, "collection", k->collection);
    itsm_xml_write_attributef(o, "offset", "%d", f->offset);
    itsm_xml_write_attributef(o, "limit", "%d", f->limit);
    itsm_xml_write_attribute(o, "more", (more ? "true" : "false"));
    for (i = 0; i < rows->nelts; i++) {
        const itsm_search_row_t *row = &APR_ARRAY_IDX(rows, i, itsm_search_row_t);

        itsm_xml_start_element(o, k->element);
        itsm_doc_render_ticket(c, o, k, row->t, ITSM_DOC_ITEM);
        write_snippet(r->pool, o, row->snippet);
        itsm_xml_end_element(o);
    }
    return itsm_resp_send_doc(r, HTTP_OK, o);
}

/* after=NUMBER (keyset paging): the list goes on after that ticket in its order, which must
 * be one of the collection's that the caller may see; not with offset= (a page starts at one
 * or the other) nor with q= (a search is in rank order). */
static int list_after(itsm_req_t *q, apr_table_t *args, itsm_filter_t *f)
{
    request_rec *r = q->r;
    const char *number = apr_table_get(args, "after");
    itsm_ticket_t *t = NULL;
    apr_status_t rv;

    if (apr_table_get(args, "offset") || apr_table_get(args, "q"))
        return itsm_resp_fail(q, HTTP_BAD_REQUEST, "bad-query",
                    "after does not go with offset (a page starts after a ticket or at an "
                    "offset) nor with q (a search answers in rank order).");
    rv = itsm_store_get(q->store, &t, q->route->kind->kind, number, q->scope, r->pool);
    if (rv != APR_SUCCESS && !APR_STATUS_IS_ENOENT(rv) && rv != APR_NOTFOUND)
        return STORE_FAULT(q, 00950, "list after");
    if (rv != APR_SUCCESS || t == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, ITSMLOGNO(00951)
                      "list of %s after %s refused: no such ticket in scope",
                      q->route->kind->collection, number);
        return itsm_resp_fail(q, HTTP_BAD_REQUEST, "bad-query",
                    apr_psprintf(r->pool, "after takes the number of a ticket of %s that you "
                                 "may see (the next attribute of the previous page): '%s' is "
                                 "not one.", q->route->kind->collection, number));
    }
    f->after = t->id;
    f->after_opened = t->opened;
    f->after_updated = t->updated;
    return OK;
}

int itsm_view_list(itsm_req_t *q)
{
    request_rec *r = q->r;
    apr_table_t *args = NULL;
    itsm_filter_t f = {0};
    apr_array_header_t *rows;
    itsm_xml_out_t *o;
    itsm_call_t c;
    const char *sort;
    int more, i, rc;

    if (!itsm_req_allowed(q, ITSM_ACTION_READ))
        return itsm_req_forbidden(q, ITSM_ACTION_READ);
    if ((rc = itsm_req_query_args(q, &args)) != OK)
        return rc;
    f.limit = q->dir->page_size != ITSM_UNSET ? q->dir->page_size : DEFAULT_PAGE;
    if (!itsm_req_query_int(apr_table_get(args, "limit"), 1, MAX_PAGE, &f.limit)
        || !itsm_req_query_int(apr_table_get(args, "offset"), 0, 1 << 30, &f.offset))
        return itsm_resp_fail(q, HTTP_BAD_REQUEST, "bad-query",
                    "limit takes 1 to 500 and offset a whole number from 0.");
    if ((sort = apr_table_get(args, "sort")) != NULL) {
        const itsm_field_t *fd;

        f.descending = *sort == '-';
        for (i = 0; i < (int)(sizeof sorts / sizeof sorts[0]); i++)
            if (strcmp(sort + f.descending, sorts[i].name) == 0)
                break;
        if (i < (int)(sizeof sorts / sizeof sorts[0])) {
            f.sort = sorts[i].sort;
            if (f.sort == ITSM_SORT_TITLE && q->route->kind->title_sort_field) {
                f.sort = ITSM_SORT_FIELD;   /* the title's sort key, as the process makes it */
                f.sort_field = q->route->kind->title_sort_field;
            }
        }
        else if ((fd = itsm_doc_kind_field(q->route->kind, sort + f.descending)) != NULL
                 && (fd->flags & ITSM_FIELD_SORTABLE) == ITSM_FIELD_SORTABLE
                 && !itsm_doc_field_hidden(q, q->route->kind, fd->name)) {
            f.sort = ITSM_SORT_FIELD;
            f.sort_field = fd->name;
        }
        else
            return itsm_resp_fail(q, HTTP_BAD_REQUEST, "bad-query",
                        "sort takes number, opened, updated, title or a sortable field of the "
                        "kind, each with a leading - for the reverse order.");
    }
    if ((rc = parse_filter(q, args, list_params, &f)) != OK)
        return rc;
    if (itsm_req_reads_published(q, q->route->kind) && (rc = published_query(q, args)) != OK)
        return rc;
    if (apr_table_get(args, "after") && (rc = list_after(q, args, &f)) != OK)
        return rc;
    itsm_req_init_call(q, &c);
    if (apr_table_get(args, "q"))
        return do_search(q, &c, apr_table_get(args, "q"), &f, sort != NULL);
    if (itsm_store_list(q->store, &rows, &more, q->route->kind->kind, q->scope, &f,
                        r->pool) != APR_SUCCESS)
        return STORE_FAULT(q, 00130, "list");
    o = itsm_xml_out_start(r->pool, "list");
    itsm_xml_write_attribute(o, "collection", q->route->kind->collection);
    itsm_xml_write_attributef(o, "offset", "%d", f.offset);
    itsm_xml_write_attributef(o, "limit", "%d", f.limit);
    itsm_xml_write_attribute(o, "more", (more ? "true" : "false"));
    if (more && rows->nelts > 0)    /* the after= of the next page */
        itsm_xml_write_attribute(o, "next",
            APR_ARRAY_IDX(rows, rows->nelts - 1, itsm_ticket_t *)->number);
    for (i = 0; i < rows->nelts; i++)
        itsm_doc_render_ticket(&c, o, q->route->kind, APR_ARRAY_IDX(rows, i, itsm_ticket_t *),
                               ITSM_DOC_NESTED | ITSM_DOC_ITEM);
    return itsm_resp_send_doc(r, HTTP_OK, o);
}

/* ---- service and identity documents ---------------------------------------------------- */

int itsm_view_service(itsm_req_t *q)
{
    request_rec *r = q->r;
    itsm_xml_out_t *o = itsm_xml_out_start(r->pool, "service");
    int i;

    for (i = 0; i < q->core->kinds->nelts; i++) {
        const itsm_kind_t *k = APR_ARRAY_IDX(q->core->kinds, i, const itsm_kind_t *);
        const itsm_route_t *route = apr_hash_get(q->core->routes, k->collection,
                                                 APR_HASH_KEY_STRING);

        itsm_xml_start_element(o, "collection");
        itsm_xml_write_attribute(o, "name", k->collection);
        itsm_xml_write_attribute(o, "kind", k->kind);
        itsm_xml_write_attribute(o, "prefix", k->prefix);
        itsm_xml_write_attribute(o, "process", route->process->name);
        itsm_xml_write_attribute(o, "href",
                                 apr_pstrcat(r->pool, q->base, "/", k->collection, NULL));
        itsm_xml_end_element(o);
    }
    return itsm_resp_send_doc(r, HTTP_OK, o);
}

static void write_list(itsm_xml_out_t *w, const char *name, const apr_array_header_t *a)
{
    int i;

    for (i = 0; a && i < a->nelts; i++)
        itsm_xml_element(w, name, APR_ARRAY_IDX(a, i, const char *));
}

int itsm_view_me(itsm_req_t *q)
{
    itsm_xml_out_t *o = itsm_xml_out_start(q->r->pool, "identity");
    const itsm_identity_t *who = q->who;

    itsm_xml_element(o, "login", who->uid);
    itsm_xml_element(o, "dn", who->dn);
    itsm_xml_element(o, "name", who->display_name);
    itsm_xml_element(o, "email", who->email);
    if (who->party) {
        itsm_xml_start_element(o, "party");
        if (who->party_name)
            itsm_xml_write_attribute(o, "name", who->party_name);
        itsm_xml_write_string(o, who->party);
        itsm_xml_end_element(o);
    }
    write_list(o, "actsFor", who->acts_for);
    write_list(o, "role", who->roles);
    write_list(o, "group", who->groups);
    itsm_xml_element(o, "allParties", q->sees_all ? "true" : "false");
    return itsm_resp_send_doc(q->r, HTTP_OK, o);
}

/* An entry's links to the tickets its change named in a field the raiser may read (a case
 * closed with guidance names its article): the new values of such fields among the changes of
 * the entry's journal record. Other references are left out: they may name what the feed's
 * reader may not see; so are the fields itsm_doc_address() keeps out of the summary. */
static void feed_related(itsm_req_t *q, itsm_xml_out_t *w, const itsm_kind_t *kd,
                         const apr_array_header_t *changes)
{
    apr_pool_t *p = q->r->pool;
    const itsm_field_t *f;
    int i;

    for (f = kd ? kd->fields : NULL; f && f->name; f++) {
        const itsm_kind_t *target;
        const char *to = NULL;

        if (!(f->flags & ITSM_FIELD_RAISER_READS) || (f->flags & ITSM_FIELD_EDITORS_ONLY)
            || !f->refers_to || !(target = itsm_core_kind(q->core, f->refers_to)))
            continue;
        for (i = 0; changes && i < changes->nelts && to == NULL; i++) {
            const itsm_change_t *ch = &APR_ARRAY_IDX(changes, i, itsm_change_t);

            if (strcmp(ch->field, f->name) == 0)
                to = ch->new;
        }
        if (to == NULL || *to == '\0')
            continue;
        itsm_xml_start_element(w, "link");
        itsm_xml_write_attribute(w, "rel", "related");
        itsm_xml_write_attribute(w, "title", f->name);
        itsm_xml_write_attribute(w, "href", ap_construct_url(p,
            apr_pstrcat(p, q->base, "/", target->collection, "/", ap_escape_uri(p, to), NULL),
            q->r));
        itsm_xml_end_element(w);
    }
}

/* The caller's notifications as an Atom feed (RFC 4287). */
int itsm_view_feed(itsm_req_t *q)
{
    request_rec *r = q->r;
    apr_array_header_t *notices, *follows;
    apr_hash_t *seen = apr_hash_make(r->pool);
    itsm_xml_out_t *o;
    const char *self;
    int rc, i;

    if ((rc = itsm_req_open_store(q)) != OK)
        return rc;
    /* the roles and resolver groups whose followers the caller is among */
    follows = itsm_followed(r->pool, q->who->roles, q->who->groups);
    if (itsm_store_feed(q->store, &notices, q->who->uid, follows, q->who->party, q->scope, 50,
                        r->pool) != APR_SUCCESS)
        return STORE_FAULT(q, 00138, "feed");
    self = ap_construct_url(r->pool, apr_pstrcat(r->pool, q->base, "/feeds/me", NULL), r);
    o = itsm_xml_out_start_ns(r->pool, "feed", "http://www.w3.org/2005/Atom");
    itsm_xml_element(o, "id", apr_pstrcat(r->pool, "urn:mod-itsm:feed:",
                                          ap_escape_uri(r->pool, q->who->uid), NULL));
    itsm_xml_element(o, "title", apr_pstrcat(r->pool, "Ticket updates for ",
                                             q->who->display_name ? q->who->display_name
                                                                  : q->who->uid, NULL));
    itsm_xml_element(o, "updated", itsm_time_format(r->pool, notices->nelts
                     ? APR_ARRAY_IDX(notices, 0, itsm_notice_t).at : r->request_time));
    itsm_xml_start_element(o, "author");
    itsm_xml_element(o, "name", "mod_itsm");
    itsm_xml_end_element(o);
    itsm_xml_start_element(o, "link");
    itsm_xml_write_attribute(o, "rel", "self");
    itsm_xml_write_attribute(o, "href", self);
    itsm_xml_end_element(o);
    for (i = 0; i < notices->nelts; i++) {
        const itsm_notice_t *n = &APR_ARRAY_IDX(notices, i, itsm_notice_t);
        const itsm_kind_t *kd = itsm_core_kind(q->core, n->kind);
        const char *collection = kd ? kd->collection : n->kind;
        /* a kind the caller reads as published: the ticket's title and the entry's changes
         * are the working copy's, an editor's draft, not theirs to read (the number, the
         * action and its actor are said; the title "(not visible)", the summary the action) */
        int working = kd && itsm_req_reads_published(q, kd);

        itsm_xml_start_element(o, "entry");
        itsm_xml_element(o, "id", apr_psprintf(r->pool, "urn:mod-itsm:notice:%" APR_INT64_T_FMT,
                                               n->id));
        itsm_xml_element(o, "title", apr_psprintf(r->pool, "%s %s by %s: %s", n->number,
                                                   n->action, n->actor,
                                                   working ? itsm_not_visible : n->title));
        itsm_xml_element(o, "updated", itsm_time_format(r->pool, n->at));
        itsm_xml_start_element(o, "link");
        itsm_xml_write_attribute(o, "href",
                                 ap_construct_url(r->pool, apr_pstrcat(r->pool, q->base, "/",
                                                                       collection, "/", n->number,
                                                                       NULL), r));
        itsm_xml_end_element(o);
        if (!working)
            feed_related(q, o, kd, n->changes);
        itsm_xml_element(o, "summary", *n->summary && !working
                         ? itsm_req_shown_note(q, seen, n->action, n->summary) : n->action);
        itsm_xml_end_element(o);
    }
    return itsm_resp_send_typed(r, HTTP_OK, o, "application/atom+xml");
}

/* A public view (the major-incident banner): every person sees it, whatever their party,
 * with only the fields the view lists. */
int itsm_view_view(itsm_req_t *q, const itsm_view_t *v)
{
    request_rec *r = q->r;
    apr_array_header_t *rows;
    itsm_xml_out_t *o;
    const char *const *f;
    int rc, i;

    if ((rc = itsm_req_open_store(q)) != OK)
        return rc;
    if (itsm_store_tagged(q->store, &rows, v->kind, v->tag, r->pool) != APR_SUCCESS)
        return STORE_FAULT(q, 00139, "view");
    o = itsm_xml_out_start(r->pool, "view");
    itsm_xml_write_attribute(o, "name", v->path);
    for (i = 0; i < rows->nelts; i++) {
        const itsm_ticket_t *t = APR_ARRAY_IDX(rows, i, itsm_ticket_t *);

        itsm_xml_start_element(o, v->element);
        itsm_xml_element(o, "number", t->number);
        itsm_xml_element(o, "title", t->title);
        itsm_xml_element(o, "priority", t->priority);
        for (f = v->fields; f && *f; f++)
            if (apr_table_get(t->fields, *f)
                && !itsm_doc_field_hidden(q, itsm_core_kind(q->core, v->kind), *f))
                itsm_xml_element(o, *f, apr_table_get(t->fields, *f));
        itsm_xml_end_element(o);
    }
    return itsm_resp_send_doc(r, HTTP_OK, o);
}

const itsm_view_t *itsm_view_find(itsm_req_t *q, const char *path)
{
    return apr_hash_get(q->core->views, path, APR_HASH_KEY_STRING);
}

/* GET of a process's own resource: the grant its kind and action need, then its callback. */
int itsm_view_resource(itsm_req_t *q, const char *rest)
{
    const itsm_resource_t *res = q->route->resource;
    itsm_xml_out_t *o;
    apr_table_t *args;
    itsm_call_t c;
    int rc;

    if (!itsm_req_allowed(q, res->action))      /* the resource named: 'publish' alone misleads */
        return itsm_resp_fail(q, HTTP_FORBIDDEN, "forbidden",
                              apr_psprintf(q->r->pool, "Your roles do not allow %s: it takes "
                                           "'%s' on %s tickets.", q->r->uri, res->action,
                                           q->route->kind->kind));
    if ((rc = itsm_req_query_args(q, &args)) != OK)
        return rc;
    itsm_req_init_call(q, &c);
    o = itsm_xml_out_start(q->r->pool, res->element);
    if (res->get(&c, rest, args, o))
        return itsm_resp_fail_call(q, &c);
    return itsm_resp_send_doc(q->r, HTTP_OK, o);
}

/* The directory of external desks (an empty <desks/> when none is configured). */
int itsm_view_desks(itsm_req_t *q)
{
    itsm_xml_out_t *o = itsm_xml_out_start(q->r->pool, "desks");
    int i;

    for (i = 0; q->core->desks && i < q->core->desks->list->nelts; i++) {
        const itsm_desk_t *d = &APR_ARRAY_IDX(q->core->desks->list, i, itsm_desk_t);

        itsm_xml_start_element(o, "desk");
        itsm_xml_write_attribute(o, "name", d->name);
        itsm_xml_write_attribute(o, "kind", d->kind);
        if (d->owner)
            itsm_xml_write_attribute(o, "owner", d->owner);
        if (d->provider)
            itsm_xml_write_attribute(o, "provider", d->provider);
        if (d->contact)
            itsm_xml_write_attribute(o, "contact", d->contact);
        itsm_xml_write_string(o, d->covers);
        itsm_xml_end_element(o);
    }
    return itsm_resp_send_doc(q->r, HTTP_OK, o);
}
