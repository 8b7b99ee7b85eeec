/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Tickets in and out: a request document's fields checked by their descriptors (the common
 * fields and the kind's, typed) and what they name, the journal's diff, the followers, and
 * the ticket's representation with its SLA clocks. */
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

/* ---- tickets in and out ---------------------------------------------------------------- */

const itsm_field_t *itsm_doc_kind_field(const itsm_kind_t *k, const char *name)
{
    const itsm_field_t *f;

    for (f = k->fields; f && f->name; f++)
        if (strcmp(f->name, name) == 0)
            return f;
    return NULL;
}

/* The fields every kind has that a document may carry as plain values, described as a
 * kind's own fields are: the core parses, checks, diffs and renders them with the same code.
 * Each lives in a member of itsm_ticket_t, or in t->fields (NO_MEMBER: description). */
#define NO_MEMBER ((size_t)-1)
typedef struct common_field_t {
    itsm_field_t f;
    size_t member;              /* offsetof(itsm_ticket_t, ...) or NO_MEMBER */
    int settable;               /* a request may set it (the others: the core or process) */
} common_field_t;

/* itsm:Priority; as an enumeration a value is read without the white space at its ends, as
 * the schema's xs:token reads it (" P2 " is P2, which a list's ?priority=P2 finds) */
static const char *const priorities[] = { "P1", "P2", "P3", "P4", "P5", NULL };

static const common_field_t common_fields[] = {
    { { "state", ITSM_FIELD_READONLY }, offsetof(itsm_ticket_t, state), 0 },
    { { "party", ITSM_FIELD_CREATE_ONLY, .type = ITSM_TYPE_PARTY },
      offsetof(itsm_ticket_t, party), 0 },
    { { "title", ITSM_FIELD_REQUIRED }, offsetof(itsm_ticket_t, title), 1 },
    { { "description", 0, .type = ITSM_TYPE_LONG_TEXT }, NO_MEMBER, 1 },
    { { "priority", 0, .type = ITSM_TYPE_ENUM, .values = priorities },
      offsetof(itsm_ticket_t, priority), 1 },
    { { "assignee", 0, .type = ITSM_TYPE_PERSON }, offsetof(itsm_ticket_t, assignee), 1 },
    { { "group", 0, .type = ITSM_TYPE_GROUP }, offsetof(itsm_ticket_t, group), 1 },
};
#define N_COMMON (sizeof common_fields / sizeof *common_fields)

static const char *common_get(const itsm_ticket_t *t, const common_field_t *cf)
{
    return cf->member == NO_MEMBER ? apr_table_get(t->fields, cf->f.name)
                                   : *(const char *const *)((const char *)t + cf->member);
}

static void common_set(itsm_ticket_t *t, const common_field_t *cf, const char *v)
{
    if (cf->member == NO_MEMBER)
        apr_table_setn(t->fields, cf->f.name, v);
    else
        *(const char **)((char *)t + cf->member) = v;
}

static const common_field_t *common_field(const char *name)
{
    size_t i;

    for (i = 0; i < N_COMMON; i++)
        if (strcmp(common_fields[i].f.name, name) == 0)
            return &common_fields[i];
    return NULL;
}

const itsm_field_t *itsm_doc_common_field(const char *name)
{
    const common_field_t *cf = common_field(name);

    return cf ? &cf->f : NULL;
}

/* The common field whose descriptor f is, NULL for a kind's own field (by address: a kind's
 * field may share a common field's name). */
static const common_field_t *common_of(const itsm_field_t *f)
{
    size_t i;

    for (i = 0; i < N_COMMON; i++)
        if (&common_fields[i].f == f)
            return &common_fields[i];
    return NULL;
}

/* The value of field f of t, common or the kind's own. */
static const char *field_value(const itsm_ticket_t *t, const itsm_field_t *f)
{
    const common_field_t *cf = common_of(f);

    return cf ? common_get(t, cf) : apr_table_get(t->fields, f->name);
}

/* Sets field f of t to v, common or the kind's own. */
static void field_set(itsm_ticket_t *t, const itsm_field_t *f, const char *v)
{
    const common_field_t *cf = common_of(f);

    if (cf)
        common_set(t, cf, v);
    else
        apr_table_setn(t->fields, f->name, v);
}

/* Calls fn on each field of kind k, the common ones first; stops at a non-zero answer. */
static int each_field(const itsm_kind_t *k, int (*fn)(const itsm_field_t *f, void *baton),
                      void *baton)
{
    const itsm_field_t *f;
    size_t i;
    int rc;

    for (i = 0; i < N_COMMON; i++)
        if ((rc = fn(&common_fields[i].f, baton)) != 0)
            return rc;
    for (f = k->fields; f && f->name; f++)
        if ((rc = fn(f, baton)) != 0)
            return rc;
    return 0;
}

/* text as a value of f, in canonical form, into t; refuses a malformed one (422). */
static int set_checked(itsm_call_t *c, itsm_ticket_t *t, const itsm_field_t *f,
                       const char *text)
{
    const char *value, *why, *was;

    if (itsm_field_check(f, text, c->pool, &value, &why) != APR_SUCCESS)
        return itsm_call_fail(c, HTTP_UNPROCESSABLE_ENTITY, "invalid-field", "<%s> %s",
                              f->name, why);
    /* the person or group the ticket names already, in other capitals: its stored spelling,
     * the directory's (check_reference), so that a process's rules see no change */
    if ((itsm_field_type(f) == ITSM_TYPE_PERSON || itsm_field_type(f) == ITSM_TYPE_GROUP)
        && (was = field_value(t, f)) != NULL && strcasecmp(was, value) == 0)
        return 0;
    field_set(t, f, value);
    return 0;
}

/* A kind's gap field (itsm_search_t.gap_field) holds a search's query as the analytics count
 * it: its normal form (itsm_search_normal), so that "  VPN  Error" names the gap "vpn error"
 * as the gaps list shows it. A text that is no query (too long) stays as written: no gap
 * has it. */
static void gap_normal(apr_pool_t *p, const itsm_kind_t *k, itsm_ticket_t *t,
                       const itsm_field_t *f)
{
    itsm_search_query_t *query;
    const char *value = field_value(t, f), *why;

    if (k->search == NULL || k->search->gap_field == NULL || value == NULL
        || strcmp(f->name, k->search->gap_field) != 0)
        return;
    if (itsm_search_parse(p, value, 0, 0, &query, &why) == APR_SUCCESS
        && *itsm_search_normal(query))
        field_set(t, f, itsm_search_normal(query));
}

/* A value of f's type that is not was, in canonical form, or NULL when none of the few tried
 * is both valid and different (an enum of one value). Any valid value serves: it only asks
 * whether the process lets the field change at all. */
static const char *other_value(apr_pool_t *p, const itsm_field_t *f, const char *was,
                               apr_time_t now)
{
    /* two values of each type that has constant ones; text is the default */
    static const char *const constant[ITSM_TYPE_XHTML + 1][2] = {
        [ITSM_TYPE_BOOLEAN] = { "true", "false" },
        [ITSM_TYPE_DURATION] = { "PT1H", "PT2H" },
        [ITSM_TYPE_TICKET] = { "ZZ0000001", "ZZ0000002" },
        [ITSM_TYPE_XHTML] = { "<p>a</p>", "<p>b</p>" },
    };
    itsm_field_type_e type = itsm_field_type(f);
    const char *tried[4] = { "a", "b", NULL, NULL }, *value, *why;
    apr_int64_t n = was ? apr_atoi64(was) : 0;
    size_t i;

    if (type == ITSM_TYPE_ENUM) {
        tried[0] = f->values ? f->values[0] : NULL;
        tried[1] = tried[0] ? f->values[1] : NULL;
    }
    else if (type == ITSM_TYPE_INTEGER) {
        /* a neighbour of the stored value, clamped (a stored limit has one neighbour) */
        tried[0] = apr_psprintf(p, "%" APR_INT64_T_FMT, n < APR_INT64_MAX ? n + 1 : n - 1);
        tried[1] = apr_psprintf(p, "%" APR_INT64_T_FMT, n > APR_INT64_MIN ? n - 1 : n + 1);
        tried[2] = apr_psprintf(p, "%" APR_INT64_T_FMT, f->min);
        tried[3] = apr_psprintf(p, "%" APR_INT64_T_FMT, f->max);
    }
    else if (type == ITSM_TYPE_DATETIME) {
        tried[0] = itsm_time_format(p, now);
        tried[1] = itsm_time_format(p, now + apr_time_from_sec(1));
    }
    else if ((unsigned)type <= ITSM_TYPE_XHTML && constant[type][0]) {
        tried[0] = constant[type][0];
        tried[1] = constant[type][1];
    }
    for (i = 0; i < sizeof tried / sizeof *tried && tried[i]; i++)
        if (itsm_field_check(f, tried[i], p, &value, &why) == APR_SUCCESS
            && (was == NULL || strcmp(value, was) != 0))
            return value;
    return NULL;
}

int itsm_doc_field_settable(const itsm_kind_t *k, const char *name)
{
    const common_field_t *cf = common_field(name);
    const itsm_field_t *f;

    if (cf)
        return cf->settable;
    f = itsm_doc_kind_field(k, name);
    return f && !(f->flags & (ITSM_FIELD_READONLY | ITSM_FIELD_CREATE_ONLY));
}

itsm_ticket_t *itsm_doc_changed_copy(apr_pool_t *p, const itsm_kind_t *k, const itsm_ticket_t *t,
                                     const char *name, apr_time_t now)
{
    const common_field_t *cf = common_field(name);
    const itsm_field_t *f = cf ? &cf->f : itsm_doc_kind_field(k, name);
    const char *value;
    itsm_ticket_t *copy;

    if (!itsm_doc_field_settable(k, name)
        || (value = other_value(p, f, field_value(t, f), now)) == NULL)
        return NULL;
    copy = itsm_req_copy_ticket(p, t);
    if (cf)
        common_set(copy, cf, value);
    else
        apr_table_setn(copy->fields, f->name, value);
    return copy;
}

/* Stops each_field at the first required field the ticket (baton) lacks, kept in found. */
typedef struct missing_baton_t {
    const itsm_ticket_t *t;
    const itsm_field_t *found;
} missing_baton_t;

static int is_missing(const itsm_field_t *f, void *baton)
{
    missing_baton_t *b = baton;

    if ((f->flags & ITSM_FIELD_REQUIRED) && field_value(b->t, f) == NULL)
        b->found = f;
    return b->found != NULL;
}

/* The first required field t lacks, NULL when none. */
const itsm_field_t *itsm_doc_missing_field(const itsm_kind_t *k, const itsm_ticket_t *t)
{
    missing_baton_t b = { t, NULL };

    each_field(k, is_missing, &b);
    return b.found;
}


int itsm_doc_is_one_of(const char *name, const char *const *names)
{
    for (; *names; names++)
        if (strcmp(name, *names) == 0)
            return 1;
    return 0;
}

/* The markup inside node, as written in the request (an XHTML field's value before its
 * check), in p. */
static const char *inner_markup(apr_pool_t *p, xmlNodePtr node)
{
    xmlBufferPtr buf = xmlBufferCreate();
    const char *out = "";
    xmlNodePtr n;

    if (buf == NULL)
        return out;
    for (n = node->children; n; n = n->next)
        xmlNodeDump(buf, node->doc, n, 0, 0);
    out = apr_pstrmemdup(p, (const char *)xmlBufferContent(buf), (apr_size_t)xmlBufferLength(buf));
    xmlBufferFree(buf);
    return out;
}

/* Whether a PATCH may clear the field name of kind k with an empty element: a common field
 * a request sets, or a kind's own field an update may set (not read-only, not create-only);
 * and <note>, an empty one being no note. Any other name's empty element stays in the
 * document, for the schema and itsm_doc_apply to judge as on create. */
static int clearable(const itsm_kind_t *k, const char *name)
{
    return strcmp(name, "note") == 0 || itsm_doc_field_settable(k, name);
}

/* Is the field name required of every ticket of k (ITSM_FIELD_REQUIRED on the common field
 * or on the kind's own of that name)? */
static int required(const itsm_kind_t *k, const char *name)
{
    const common_field_t *cf = common_field(name);
    const itsm_field_t *f = itsm_doc_kind_field(k, name);

    return (cf && (cf->f.flags & ITSM_FIELD_REQUIRED)) || (f && (f->flags & ITSM_FIELD_REQUIRED));
}

/* An element with no attribute and nothing in it but white space: <assignee/>,
 * <assignee></assignee>, <assignee> </assignee>. */
static int empty_element(xmlNodePtr n)
{
    xmlNodePtr c;
    const xmlChar *s;

    if (n->properties)
        return 0;
    for (c = n->children; c; c = c->next) {
        if (c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE)
            return 0;
        for (s = c->content; s && *s; s++)
            if (!strchr(" \t\r\n", *s))
                return 0;
    }
    return 1;
}

apr_array_header_t *itsm_doc_take_clears(const itsm_kind_t *k, xmlNodePtr root, apr_pool_t *p)
{
    apr_array_header_t *cleared = apr_array_make(p, 2, sizeof(const char *));
    xmlNodePtr n, next;

    for (n = root->children; n; n = next) {
        next = n->next;
        if (!itsm_xml_is(n, NULL) || !empty_element(n) || !clearable(k, (const char *)n->name))
            continue;
        APR_ARRAY_PUSH(cleared, const char *) = apr_pstrdup(p, (const char *)n->name);
        xmlUnlinkNode(n);
        xmlFreeNode(n);
    }
    return cleared;
}

/* The fields x->cleared names (itsm_doc_take_clears) taken out of t; a required one is
 * refused (422), a repeat too, seen holding the names the document sets. */
static int apply_clears(itsm_call_t *c, const itsm_kind_t *k, itsm_ticket_t *t,
                        const itsm_doc_extras_t *x, apr_hash_t *seen)
{
    int i;

    for (i = 0; x->cleared && i < x->cleared->nelts; i++) {
        const char *name = APR_ARRAY_IDX(x->cleared, i, const char *);
        const common_field_t *cf = common_field(name);

        if (apr_hash_get(seen, name, APR_HASH_KEY_STRING))
            return itsm_call_fail(c, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                                  "<%s> appears more than once", name);
        apr_hash_set(seen, name, APR_HASH_KEY_STRING, name);
        if (strcmp(name, "note") == 0)
            continue;
        /* a field the ticket does not have: nothing to clear, and nothing refused (a form
         * saved untouched over a field made required after the ticket was written) */
        if ((cf ? common_get(t, cf) : apr_table_get(t->fields, name)) == NULL)
            continue;
        if (required(k, name))
            return itsm_call_fail(c, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                                  "<%s> is required: it cannot be cleared", name);
        if (cf && cf->member != NO_MEMBER)
            common_set(t, cf, NULL);
        else
            apr_table_unset(t->fields, name);
    }
    return 0;
}

/* A value of white space alone (itsm_text_blank: a no-break or zero-width space too) is no
 * value: refused (422) for a create or an action's document, which leave the element out,
 * and for a PATCH, which clears with it empty (itsm_doc_take_clears took the empty elements
 * of ASCII white space already). Returns c->status when refused, else 0. */
static int blank_value(itsm_call_t *c, const itsm_kind_t *k, const char *name,
                       const char *text, const itsm_doc_extras_t *x)
{
    if (!itsm_text_blank(text))
        return 0;
    if (x->cleared && required(k, name))
        return itsm_call_fail(c, HTTP_UNPROCESSABLE_ENTITY, "invalid-field", "<%s> holds "
                              "nothing but white space: it is required", name);
    if (x->cleared)
        return itsm_call_fail(c, HTTP_UNPROCESSABLE_ENTITY, "invalid-field", "<%s> holds "
                              "nothing but white space: an empty <%s/> clears it", name, name);
    return itsm_call_fail(c, HTTP_UNPROCESSABLE_ENTITY, "invalid-field", "<%s> holds nothing "
                          "but white space: leave it out", name);
}

/* Copy the document's fields into t, and take out those x->cleared names (a PATCH's empty
 * elements); refuses read-only fields and repeats. */
int itsm_doc_apply(itsm_call_t *c, const itsm_kind_t *k, xmlNodePtr root,
                          itsm_ticket_t *t, int creating, itsm_doc_extras_t *x)
{
    static const char *const readonly[] = {
        "number", "kind", "updated", "version", "createdBy", "publishedVersion", "snippet",
        "linked", "suggestions", NULL
    };
    apr_hash_t *seen = apr_hash_make(c->pool);
    xmlNodePtr n;

    for (n = root->children; n; n = n->next) {
        const char *name = (const char *)n->name, *text, *why;
        const common_field_t *cf;
        const itsm_field_t *f;

        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (apr_hash_get(seen, name, APR_HASH_KEY_STRING))
            return itsm_call_fail(c, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                                  "<%s> appears more than once", name);
        apr_hash_set(seen, name, APR_HASH_KEY_STRING, name);
        text = itsm_xml_text(c->pool, n);
        if (itsm_doc_is_one_of(name, readonly))
            return itsm_call_fail(c, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                                  "<%s> is read-only", name);
        if ((cf = common_field(name)) != NULL && cf->settable) {
            if (blank_value(c, k, name, text, x) || set_checked(c, t, &cf->f, text))
                return c->status;
        }
        else if (strcmp(name, "note") == 0)
            x->note = text;
        else if (strcmp(name, "state") == 0) {
            if (!creating)
                return itsm_call_fail(c, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                                      "<state> is read-only: actions change it");
            x->state = itsm_text_trim(c->pool, text);
        }
        else if (strcmp(name, "party") == 0 || strcmp(name, "opened") == 0) {
            if (!creating)
                return itsm_call_fail(c, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                                      "<%s> is set only when the ticket is created", name);
            /* tokens, as the schema reads them: " ALPE " is ALPE */
            if (name[0] == 'p')
                x->party = itsm_text_trim(c->pool, text);
            else
                x->opened = itsm_text_trim(c->pool, text);
        }
        else if ((f = itsm_doc_kind_field(k, name)) != NULL) {
            if (f->flags & ITSM_FIELD_READONLY)
                return itsm_call_fail(c, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                                      "<%s> is read-only", name);
            if ((f->flags & ITSM_FIELD_CREATE_ONLY) && !creating)
                return itsm_call_fail(c, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                                      "<%s> is set only when the ticket is created", name);
            if (itsm_field_type(f) == ITSM_TYPE_XHTML)
                text = inner_markup(c->pool, n);
            else if (blank_value(c, k, name, text, x))
                return c->status;
            if (set_checked(c, t, f, text))
                return c->status;
            gap_normal(c->pool, k, t, f);
            /* the value as written, trimmed as the field check reads it (not its canonical
             * form: "P1D" is refused on a business calendar, its "PT24H" would not be) */
            if (k->clocks && itsm_sla_own_target_check(c->sla, k, name,
                                                       itsm_text_trim(c->pool, text),
                                                       c->pool, &why) != APR_SUCCESS)
                return itsm_call_fail(c, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                                      "<%s> %s", name, why);
        }
        else {
            return itsm_call_fail(c, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                                  "<%s> is not a field of %s", name, k->kind);
        }
    }
    return apply_clears(c, k, t, x, seen);
}

/* The <target> children of <sla>: each clock of the kind that has a target at the ticket's
 * class value, evaluated now; a clock not started yet has no due time. Returns how many were
 * written. */
int itsm_doc_render_sla_targets(itsm_call_t *c, itsm_xml_out_t *w, const itsm_sla_config_t *cfg,
                              const itsm_kind_t *k, const itsm_ticket_t *t)
{
    itsm_ticket_clock_t *clocks;
    int n = itsm_ticket_clocks(&clocks, cfg, k, t, c->now, c->pool), i;

    for (i = 0; i < n; i++)
        itsm_doc_render_sla_target(c, w, &clocks[i]);
    return n;
}

void itsm_doc_render_sla_target(itsm_call_t *c, itsm_xml_out_t *w, const itsm_ticket_clock_t *tc)
{
    const char *const attrs[] = {
        "kind", tc->name,
        "due", tc->started ? itsm_time_format(c->pool, tc->eval.due) : NULL,
        "status", tc->eval.status_name,
        "target", itsm_duration_format(c->pool, tc->target),
        "remaining", itsm_duration_format(c->pool, tc->eval.remaining),
        "calendar", itsm_calendar_name(tc->calendar),
        "started", tc->started && tc->on_event ? itsm_time_format(c->pool, tc->started) : NULL,
        "stopped", tc->stopped ? itsm_time_format(c->pool, tc->stopped) : NULL,
        "paused", !tc->stopped && tc->paused ? "true" : NULL,
    };

    itsm_xml_empty_element(w, "target", attrs, (int)(sizeof attrs / sizeof attrs[0] / 2));
}

/* A field's element: its value as text, or, for an XHTML field, as the markup it holds.
 * That value was checked when it was written; it is checked again here, so that a value
 * stored otherwise (a field that became XHTML, an import) is written as text, never as raw
 * markup. */
/* Whether the field name of kind k is kept from the caller: a field flagged
 * ITSM_FIELD_EDITORS_ONLY, to a caller whose roles may not update the kind (a relation to one
 * ticket does not make an editor of the kind). */
static int field_hidden(itsm_req_t *q, const itsm_kind_t *k, const itsm_field_t *f)
{
    if (!f || !(f->flags & ITSM_FIELD_EDITORS_ONLY))
        return 0;
    if (!q || !q->who)
        return 1;
    if (q->editor_kind != k) {      /* the caller's roles do not change within a request */
        q->editor = itsm_authz_allows(q->core->authz, q->who->roles, k->kind,
                                      ITSM_ACTION_UPDATE);
        q->editor_kind = k;
    }
    return !q->editor;
}

int itsm_doc_field_hidden(itsm_req_t *q, const itsm_kind_t *k, const char *name)
{
    return field_hidden(q, k, k ? itsm_doc_kind_field(k, name) : NULL);
}

void itsm_doc_render_field(apr_pool_t *p, itsm_xml_out_t *w, const itsm_field_t *f,
                           const char *value)
{
    const char *markup, *why;

    if (value == NULL)
        return;
    if (itsm_field_type(f) != ITSM_TYPE_XHTML
        || itsm_xhtml_check(p, value, &markup, &why) != APR_SUCCESS) {
        itsm_xml_element(w, f->name, value);
        return;
    }
    itsm_xml_start_element(w, f->name);
    itsm_xml_write_raw(w, markup);
    itsm_xml_full_end_element(w);
}

void itsm_doc_render_ticket(itsm_call_t *c, itsm_xml_out_t *w, const itsm_kind_t *k,
                          const itsm_ticket_t *t, int how)
{
    const unsigned leave_out = (how & ITSM_DOC_ITEM) ? ITSM_FIELD_DETAIL : 0;
    const itsm_field_t *f;
    size_t i;

    if (how & ITSM_DOC_NESTED)
        itsm_xml_start_element(w, k->element);
    itsm_xml_element(w, "number", t->number);
    itsm_xml_element(w, "kind", t->kind);
    for (i = 0; i < N_COMMON; i++)
        itsm_xml_element(w, common_fields[i].f.name, common_get(t, &common_fields[i]));
    itsm_xml_element(w, "opened", itsm_time_format(c->pool, t->opened));
    itsm_xml_element(w, "updated", itsm_time_format(c->pool, t->updated));
    itsm_xml_element(w, "version", apr_itoa(c->pool, t->version));
    itsm_xml_element(w, "createdBy", t->created_by);
    itsm_xml_element(w, "publishedVersion", apr_table_get(t->fields, ITSM_VERSION_PUBLISHED));
    for (f = k->fields; f && f->name; f++) {
        const char *value = apr_table_get(t->fields, f->name);

        if (value && !(f->flags & leave_out) && !field_hidden(c->core, k, f))
            itsm_doc_render_field(c->pool, w, f, value);
    }
    if (k->clocks) {
        itsm_xml_start_element(w, "sla");
        itsm_doc_render_sla_targets(c, w, c->sla, k, t);
        itsm_xml_end_element(w);
    }
    if (k->render)
        k->render(c, w, t);
    if (how & ITSM_DOC_NESTED)
        itsm_xml_end_element(w);
}

void itsm_doc_set_etag(request_rec *r, const itsm_ticket_t *t)
{
    apr_table_setn(r->headers_out, "ETag", apr_psprintf(r->pool, "\"%d\"", t->version));
}

/* The fields of one linked ticket a rule shows, if the reader may see it. */
static void render_shown(itsm_call_t *c, itsm_xml_out_t *w, const itsm_link_rule_t *rule,
                         const char *kind, const char *number)
{
    itsm_req_t *q = c->core;
    const char *const *f;
    const itsm_kind_t *xk;
    itsm_ticket_t *x;
    apr_status_t rv;

    /* the target as the reader may see it, as the links and the journal show its number
     * (itsm_req_shown_number), of a loaded kind; else nothing of it */
    rv = itsm_req_get_visible(&x, &xk, q, kind, number, c->pool);
    if (rv != APR_SUCCESS && rv != APR_NOTFOUND)
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, q->r, ITSMLOGNO(00147)
                      "store: reading the linked %s, its fields not shown: %s", number,
                      itsm_resp_store_error(q));
    if (rv != APR_SUCCESS || xk == NULL)
        return;
    itsm_xml_start_element(w, "linked");
    itsm_xml_write_attribute(w, "type", rule->type);
    itsm_xml_write_attribute(w, "number", x->number);
    itsm_xml_write_attribute(w, "kind", x->kind);
    for (f = rule->shows; *f; f++) {
        const common_field_t *cf = common_field(*f);

        itsm_xml_element(w, *f, cf ? common_get(x, cf) : apr_table_get(x->fields, *f));
    }
    itsm_xml_end_element(w);
}

/* The fields of the tickets t links to with a type whose rule shows them, while t is open:
 * the numbers come from t's reserved fields (kept with each link), no query of its links. */
void itsm_doc_render_linked(itsm_call_t *c, itsm_xml_out_t *w, const itsm_kind_t *k,
                   const itsm_ticket_t *t)
{
    itsm_req_t *q = c->core;
    int i;

    if (k->final_states && itsm_doc_is_one_of(t->state, k->final_states))
        return;
    for (i = 0; i < q->core->kinds->nelts; i++) {
        const itsm_kind_t *x = APR_ARRAY_IDX(q->core->kinds, i, const itsm_kind_t *);
        const itsm_link_rule_t *rule;

        for (rule = x->link_rules; rule && rule->type; rule++) {
            const char *kept;
            char *list, *number, *state;

            if (!rule->shows || !(x == k ? rule->from_kind == NULL
                                         : rule->from_kind && strcmp(rule->from_kind, k->kind) == 0)
                || (kept = apr_table_get(t->fields, apr_pstrcat(c->pool, ITSM_SHOWN_PREFIX,
                                                                rule->type, NULL))) == NULL)
                continue;
            list = apr_pstrdup(c->pool, kept);
            for (number = apr_strtok(list, " ", &state); number;
                 number = apr_strtok(NULL, " ", &state))
                render_shown(c, w, rule, rule->from_kind ? x->kind : rule->to_kind, number);
        }
    }
}

/* How many of a suggesting kind's tickets a reader is shown at most (itsm_suggest_t.limit,
 * 1..10, 3 when unset). */
static int suggest_limit(const itsm_suggest_t *sg)
{
    return sg->limit < 1 ? 3 : sg->limit > 10 ? 10 : sg->limit;
}

/* How many are kept with a new ticket: more than are shown, since the search runs once, at
 * the write, over every party, and each reader is then shown only those they may read
 * (render_suggestions): the best matches of parties the reader cannot see would otherwise
 * take the places of those the reader can. Three times the limit leaves room for the others'
 * without a search per read; at most ITSM_SUGGEST_KEPT_MAX, because each kept ticket a reader
 * may not read costs a ticket read on every representation of the new ticket shown to them
 * (never fewer than the limit: it is at most 10 too). A reader behind more than that many
 * better matches of others still sees fewer. */
#define ITSM_SUGGEST_KEPT_MAX 10
static int suggest_kept(const itsm_suggest_t *sg)
{
    int limit = suggest_limit(sg);

    return 3 * limit < ITSM_SUGGEST_KEPT_MAX ? 3 * limit : ITSM_SUGGEST_KEPT_MAX;
}

/* Does a kind suggest its tickets to new tickets of kind k (itsm_suggest_t)? */
static int suggested_to(const itsm_req_t *q, const itsm_kind_t *k)
{
    int i;

    for (i = 0; k->initial_state && i < q->core->kinds->nelts; i++) {
        const itsm_kind_t *s = APR_ARRAY_IDX(q->core->kinds, i, const itsm_kind_t *);

        if (s->suggest && s->suggest->for_kinds && itsm_doc_is_one_of(k->kind, s->suggest->for_kinds))
            return 1;
    }
    return 0;
}

void itsm_doc_find_suggestions(itsm_req_t *q, const itsm_kind_t *k, const itsm_ticket_t *old,
                      itsm_ticket_t *t, apr_time_t now)
{
    apr_pool_t *p = q->r->pool;
    const char *description = apr_table_get(t->fields, "description"), *found = "";
    itsm_search_query_t *query = NULL;
    const char *why;
    int i, j, more;

    if (!suggested_to(q, k))
        return;
    if (strcmp(t->state, k->initial_state) != 0) {
        apr_table_unset(t->fields, ITSM_SUGGESTED);
        return;
    }
    if (old && strcmp(old->state, t->state) == 0
        && (old->title == t->title || strcmp(old->title, t->title) == 0)
        && !strcmp(description ? description : "",
                   apr_table_get(old->fields, "description")
                   ? apr_table_get(old->fields, "description") : ""))
        return;                 /* the same words: the same suggestions */
    for (i = 0; i < q->core->kinds->nelts; i++) {
        const itsm_kind_t *s = APR_ARRAY_IDX(q->core->kinds, i, const itsm_kind_t *);
        const itsm_suggest_t *sg = s->suggest;
        itsm_filter_t f = {0};
        apr_array_header_t *rows;

        if (!sg || !sg->for_kinds || !itsm_doc_is_one_of(k->kind, sg->for_kinds) || !s->search)
            continue;
        f.limit = suggest_kept(sg);
        f.now = now;
        if (sg->only_field) {
            /* The span of the qualifying tickets first, from the field index: none (no
             * known error yet), no search at all; else the search walks only the matches
             * between the oldest and the newest of them (docs/performance.md). */
            if (itsm_store_field_span(q->store, s->kind, sg->only_field, "true", &f.id_from,
                                      &f.id_to, p) != APR_SUCCESS) {
                ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, q->r, ITSMLOGNO(00884)
                              "store: the span of %s's %s for a %s: %s (no suggestions kept)",
                              s->kind, sg->only_field, k->kind, itsm_resp_store_error(q));
                continue;
            }
            if (f.id_from <= 0)
                continue;
            f.nfields = 1;
            f.field[0] = sg->only_field;
            f.value[0] = "true";
        }
        if (query == NULL)
            itsm_search_parse(p, apr_pstrcat(p, t->title ? t->title : "", " ",
                                             description ? description : "", NULL), 1, 1,
                              &query, &why);
        /* over every party: each reader is shown those they may see (render_suggestions) */
        if (itsm_store_search(q->store, &rows, &more, s->kind, "*", &f, query, p)
            != APR_SUCCESS) {
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, q->r, ITSMLOGNO(00471)
                          "store: suggestions of %s for a %s: %s (none kept)", s->kind,
                          k->kind, itsm_resp_store_error(q));
            continue;
        }
        for (j = 0; j < rows->nelts; j++)
            found = apr_pstrcat(p, found, *found ? " " : "", s->kind, ":",
                                APR_ARRAY_IDX(rows, j, itsm_search_row_t).t->number, NULL);
    }
    if (*found)
        apr_table_setn(t->fields, ITSM_SUGGESTED, found);
    else
        apr_table_unset(t->fields, ITSM_SUGGESTED);
}

/* The numbers of one suggesting kind kept with a ticket, in their order. */
typedef struct {
    const itsm_kind_t *kind;
    apr_array_header_t *numbers;
} kept_t;

/* The kept suggestions ("kind:number ...", each kind's numbers together, the best first) as
 * kept_t, of the kinds that still suggest and that the caller may read. */
static apr_array_header_t *kept_by_kind(itsm_req_t *q, const char *kept, apr_pool_t *p)
{
    apr_array_header_t *out = apr_array_make(p, 1, sizeof(kept_t));
    char *list = apr_pstrdup(p, kept), *item, *state;
    kept_t *last = NULL;

    for (item = apr_strtok(list, " ", &state); item; item = apr_strtok(NULL, " ", &state)) {
        char *number = strchr(item, ':');
        const itsm_kind_t *s;

        if (number == NULL)
            continue;
        *number++ = '\0';
        if ((s = itsm_core_kind(q->core, item)) == NULL || s->suggest == NULL
            || !itsm_authz_allows(q->core->authz, q->who->roles, s->kind, ITSM_ACTION_READ))
            continue;
        if (last == NULL || last->kind != s) {
            last = apr_array_push(out);
            last->kind = s;
            last->numbers = apr_array_make(p, 10, sizeof(const char *));
        }
        APR_ARRAY_PUSH(last->numbers, const char *) = number;
    }
    return out;
}

/* The suggestions kept with a new ticket (find_suggestions), to readers whom the role table
 * grants update on its kind, each only if they may read it and it still qualifies, the best
 * first and at most the suggesting kind's limit of them (more are kept than shown): each
 * kind's kept tickets read in one statement within the reader's scope. */
static void render_suggestions(itsm_call_t *c, itsm_xml_out_t *w, const itsm_kind_t *k,
                               const itsm_ticket_t *t)
{
    itsm_req_t *q = c->core;
    const char *kept = apr_table_get(t->fields, ITSM_SUGGESTED);
    apr_array_header_t *kinds;
    int open = 0, i, j;

    if (kept == NULL || !k->initial_state || strcmp(t->state, k->initial_state) != 0
        || !itsm_authz_allows(q->core->authz, q->who->roles, k->kind, ITSM_ACTION_UPDATE)
        || itsm_req_bind_store(q) != APR_SUCCESS)
        return;
    kinds = kept_by_kind(q, kept, c->pool);
    for (i = 0; i < kinds->nelts; i++) {
        const kept_t *e = &APR_ARRAY_IDX(kinds, i, kept_t);
        const itsm_suggest_t *sg = e->kind->suggest;
        apr_hash_t *found;
        int shown = 0;

        if (itsm_store_get_numbers(q->store, &found, e->kind->kind, e->numbers, q->scope,
                                   c->pool) != APR_SUCCESS) {
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, q->r, ITSMLOGNO(00472)
                          "store: the suggestions of %s kept with %s: %s (none shown)",
                          e->kind->kind, t->number, itsm_resp_store_error(q));
            continue;
        }
        for (j = 0; j < e->numbers->nelts && shown < suggest_limit(sg); j++) {
            const itsm_ticket_t *x = apr_hash_get(found, APR_ARRAY_IDX(e->numbers, j,
                                                                       const char *),
                                                  APR_HASH_KEY_STRING);

            if (x == NULL || (sg->only_field && !itsm_ticket_bool(x, sg->only_field, 0)))
                continue;
            shown++;
            if (!open++)
                itsm_xml_start_element(w, "suggestions");
            itsm_xml_start_element(w, "suggestion");
            itsm_xml_write_attribute(w, "number", x->number);
            itsm_xml_write_attribute(w, "kind", e->kind->kind);
            itsm_xml_write_attribute(w, "title", x->title);
            itsm_xml_end_element(w);
        }
    }
    if (open)
        itsm_xml_end_element(w);
}

/* <helpfulness version= helpful= unhelpful= mine=>: the helpfulness votes on t's current
 * published version (a versioned kind's ticket that has one). 0 when written. */
int itsm_doc_render_votes(itsm_req_t *q, itsm_xml_out_t *w, const itsm_ticket_t *t)
{
    int n = (int)itsm_ticket_int(t, ITSM_VERSION_PUBLISHED, 0), mine;
    apr_int64_t yes, no;

    if (!q->route->kind->publish_action || n == 0)
        return 0;
    if (itsm_req_bind_store(q) != APR_SUCCESS
        || itsm_store_votes(q->store, t->id, n, q->who->uid, &yes, &no, &mine, q->r->pool)
           != APR_SUCCESS)
        return STORE_FAULT(q, 00421, "votes");
    itsm_xml_start_element(w, "helpfulness");
    itsm_xml_write_attributef(w, "version", "%d", n);
    itsm_xml_write_attributef(w, "helpful", "%" APR_INT64_T_FMT, yes);
    itsm_xml_write_attributef(w, "unhelpful", "%" APR_INT64_T_FMT, no);
    if (mine >= 0)
        itsm_xml_write_attribute(w, "mine", (mine ? "helpful" : "unhelpful"));
    itsm_xml_end_element(w);
    return 0;
}

int itsm_doc_send_ticket(itsm_req_t *q, itsm_call_t *c, int status, const itsm_ticket_t *t)
{
    itsm_xml_out_t *o = itsm_xml_out_start(q->r->pool, q->route->kind->element);
    int rc;

    itsm_doc_render_ticket(c, o, q->route->kind, t, 0);
    itsm_doc_render_linked(c, o, q->route->kind, t);
    render_suggestions(c, o, q->route->kind, t);
    if ((rc = itsm_doc_render_votes(q, o, t)) != 0)
        return rc;
    itsm_doc_set_etag(q->r, t);
    itsm_portal_ticket(q, t);
    return itsm_resp_send_doc(q->r, status, o);
}

/* Journal changes between two versions of a ticket (old NULL: a creation). */
apr_array_header_t *itsm_doc_diff(apr_pool_t *p, const itsm_kind_t *k, const itsm_ticket_t *old,
                                const itsm_ticket_t *t)
{
    apr_array_header_t *ch = apr_array_make(p, 8, sizeof(itsm_change_t));
    const itsm_field_t *f;
    size_t i;

    for (i = 0; i < N_COMMON; i++)
        itsm_codec_change_add(ch, common_fields[i].f.name,
                              old ? common_get(old, &common_fields[i]) : NULL,
                              common_get(t, &common_fields[i]));
    for (f = k->fields; f && f->name; f++)
        itsm_codec_change_add(ch, f->name, old ? apr_table_get(old->fields, f->name) : NULL,
                              apr_table_get(t->fields, f->name));
    return ch;
}

/* Who hears of a change: the raiser (unless the raiser made it) and, for kinds whose party
 * follows them, every person of the ticket's party; the feed leaves out one's own changes. */
void itsm_doc_address(itsm_req_t *q, const itsm_kind_t *k, itsm_journal_t *j, const itsm_ticket_t *t)
{
    apr_pool_t *p = q->r->pool;
    const char *s = "";
    int i;

    itsm_followers(p, k, t, q->who->uid, NULL, j);
    for (i = 0; i < j->changes->nelts && strlen(s) < 300; i++) {
        const itsm_change_t *ch = &APR_ARRAY_IDX(j->changes, i, itsm_change_t);
        const itsm_field_t *f = itsm_doc_kind_field(k, ch->field);

        if (f && (f->flags & ITSM_FIELD_EDITORS_ONLY))  /* followers need not be editors */
            continue;
        if (strncmp(ch->field, "link:", 5) == 0)     /* the target may be another party's */
            s = apr_pstrcat(p, s, *s ? "; " : "", ch->field, NULL);
        else
            s = apr_pstrcat(p, s, *s ? "; " : "", ch->field, ": ", ch->old ? ch->old : "(none)",
                            " -> ", ch->new ? ch->new : "(none)", NULL);
    }
    if (j->note)
        s = apr_psprintf(p, "%s%s%.200s", s, *s ? "; " : "", j->note);
    j->summary = s;
}

typedef apr_status_t (*exists_fn)(itsm_ldap_t *ld, const char *value, const char **spelt,
                                  const char **errmsg, apr_pool_t *p);

/* A party spelt as the directory spells it, or none (itsm_ldap_party_exists). */
static apr_status_t party_exists(itsm_ldap_t *ld, const char *party, const char **spelt,
                                 const char **errmsg, apr_pool_t *p)
{
    apr_status_t rv = itsm_ldap_party_exists(ld, party, errmsg, p);

    if (spelt != NULL)
        *spelt = rv == APR_SUCCESS ? party : NULL;
    return rv;
}

/* value must name an entry of the directory (a party, a resolver group, a person); a
 * refusal is put on c (its status returned). *spelt (may be NULL): value as the directory
 * spells it. */
static int exists_in_directory(itsm_req_t *q, itsm_call_t *c, exists_fn exists, const char *field,
                               const char *what, const char *value, const char **spelt)
{
    const char *errmsg = NULL;
    apr_status_t rv = exists(q->core->directory, value, spelt, &errmsg, q->r->pool);

    if (rv == APR_NOTFOUND)
        return itsm_call_fail(c, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                              "<%s>: there is no %s %s in the directory.", field, what, value);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, q->r, ITSMLOGNO(00107)
                      "directory unavailable checking %s %s: %s", what, value,
                      errmsg ? errmsg : "no answer");
        return itsm_call_fail(c, HTTP_SERVICE_UNAVAILABLE, "directory-unavailable",
                              "The identity directory is not available; try again later.");
    }
    return 0;
}

/* A party named on create: one the caller acts for, or any existing party for a role that
 * sees all parties. */
int itsm_doc_check_party(itsm_req_t *q, const char *party)
{
    itsm_call_t c;

    if (!itsm_req_party_visible(q, party))
        return itsm_resp_fail(q, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                    apr_psprintf(q->r->pool, "You cannot raise tickets for party %s.", party));
    if (q->who->party && strcmp(q->who->party, party) == 0)
        return OK;
    itsm_req_init_call(q, &c);
    return exists_in_directory(q, &c, party_exists, "party", "party", party, NULL)
           ? itsm_resp_fail_call(q, &c) : OK;
}

/* What a field of t names outside the ticket (a ticket in the store; a party, person or
 * resolver group in the directory) must exist and, for a ticket, be one the caller may see,
 * as for a link target. Checked when the value is new; a ticket's own party is checked on
 * create by check_party. */
typedef struct refs_baton_t {
    itsm_req_t *q;
    itsm_call_t *c;
    const itsm_ticket_t *old;
    itsm_ticket_t *t;           /* a person's or group's name set as the directory spells it */
} refs_baton_t;

/* The ticket number v (field f of t) is one t's raiser may read, as they would read it:
 * their party, audience and roles (a published article of an audience that holds them). */
static int raiser_reads(itsm_req_t *q, itsm_call_t *c, const itsm_field_t *f, const itsm_ticket_t *t,
                        const char *v)
{
    const char *errmsg = NULL, *raiser = t->created_by, *scope = NULL;
    itsm_identity_t *who;
    itsm_ticket_t *x;
    apr_status_t rv;

    if (raiser == NULL || strcmp(raiser, q->who->uid) == 0)
        return 0;   /* the caller is the raiser: checked above */
    rv = itsm_ldap_lookup_derived(&who, &scope, &errmsg, q->core->directory, raiser,
                                  q->r->pool);
    if (rv == APR_SUCCESS) {
        if (itsm_req_bind_store(q) != APR_SUCCESS)
            return itsm_call_fail(c, HTTP_SERVICE_UNAVAILABLE, "store-unavailable",
                                  "The ticket store is not available; try again later.");
        rv = itsm_store_get(q->store, &x, f->refers_to, v, scope, q->r->pool);
        if (rv == APR_SUCCESS)
            return 0;
    }
    if (rv == APR_NOTFOUND)
        return itsm_call_fail(c, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                              "<%s>: %s is not one that %s, who raised %s, can read.", f->name,
                              v, raiser, t->number ? t->number : "the ticket");
    ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, q->r, ITSMLOGNO(00423)
                  "checking that %s may read %s: %s", raiser, v,
                  errmsg ? errmsg : "the store did not answer");
    return itsm_call_fail(c, HTTP_SERVICE_UNAVAILABLE, "directory-unavailable",
                          "The identity directory or the store is not available; try again "
                          "later.");
}

/* The person v named as t's assignee from the directory into *who; else the refusal. Of a
 * party-scoped kind (by_party), a caller who does not see every party is answered for a
 * login that does not exist as for another party's person: otherwise the two answers would
 * tell which logins of other parties exist. */
static int assignee_lookup(itsm_req_t *q, itsm_call_t *c, const itsm_ticket_t *t, const char *v,
                           int by_party, itsm_identity_t **who)
{
    const char *errmsg = NULL;
    apr_status_t rv = itsm_ldap_lookup(who, &errmsg, q->core->directory, v, q->r->pool);

    if (rv == APR_NOTFOUND && by_party && t->party
        && !itsm_authz_sees_all(q->core->authz, q->who->roles))
        return itsm_call_fail(c, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                              "<assignee>: %s does not see tickets of party %s; assign "
                              "someone who does.", v, t->party);
    if (rv == APR_NOTFOUND)
        return itsm_call_fail(c, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                              "<assignee>: there is no person %s in the directory.", v);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, q->r, ITSMLOGNO(00424)
                      "directory unavailable looking up the assignee %s: %s", v,
                      errmsg ? errmsg : "no answer");
        return itsm_call_fail(c, HTTP_SERVICE_UNAVAILABLE, "directory-unavailable",
                              "The identity directory is not available; try again later.");
    }
    return 0;
}

/* The assignee v of t is a person who sees t's party (their own, one they act for, or every
 * party): another party's person would find the ticket "not found" (the party scope comes
 * before any relation's grant), so the assignment would stand on nobody. What the assignee
 * may do with it is the grants' to say (a relation may grant an action and not the read).
 * Checked when the assignee is set: a person who later moves to another party keeps the
 * assignment and loses the ticket (the read is decided on the scope at each request). */
static int assignee_sees(itsm_req_t *q, itsm_call_t *c, const itsm_ticket_t *t, const char *v,
                         const char **spelt)
{
    itsm_identity_t *who;
    int rc, named;

    if ((rc = assignee_lookup(q, c, t, v, 1, &who)) != 0)
        return rc;
    *spelt = who->uid;
    if (t->party == NULL)
        return 0;
    if (!itsm_identity_sees_party(who, itsm_authz_sees_all(q->core->authz, who->roles),
                                  t->party)) {
        /* the person's party only to a caller who may see that party's people */
        named = who->party && itsm_req_party_visible(q, who->party);
        return itsm_call_fail(c, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                              "<assignee>: %s%s%s%s does not see tickets of party %s; assign "
                              "someone who does.", v, named ? " (party " : "",
                              named ? who->party : "", named ? ")" : "", t->party);
    }
    return 0;
}

/* The assignee v of a versioned kind's ticket reads its working copy (one of the kind's
 * editors): a reader of the published versions alone would be assigned a draft they cannot
 * open, or the working copy of a version they read as published. */
static int assignee_edits(itsm_req_t *q, itsm_call_t *c, const itsm_kind_t *k,
                          const itsm_ticket_t *t, const char *v, const char **spelt)
{
    itsm_identity_t *who;
    int rc;

    if ((rc = assignee_lookup(q, c, t, v, 0, &who)) != 0)
        return rc;
    *spelt = who->uid;
    if (itsm_core_reads_published(q->core, who, k))
        return itsm_call_fail(c, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                              "<assignee>: %s does not edit %s tickets (they read the "
                              "published versions only); assign one of its editors.", v,
                              k->kind);
    return 0;
}

static int check_reference(const itsm_field_t *f, void *baton)
{
    refs_baton_t *b = baton;
    itsm_req_t *q = b->q;
    const char *v = field_value(b->t, f), *was = b->old ? field_value(b->old, f) : NULL;
    const char *spelt = NULL;
    itsm_ticket_t *to;
    apr_status_t rv;
    int rc;

    if (v == NULL || (was && strcmp(was, v) == 0)
        || (strcmp(f->name, "party") == 0 && common_of(f)))
        return 0;
    switch (itsm_field_type(f)) {
    case ITSM_TYPE_TICKET:
        rv = b->c->svc->ticket_get(b->c, &to, f->refers_to, v);
        if (rv == APR_NOTFOUND)
            return itsm_call_fail(b->c, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                                  "<%s>: %s is not a ticket%s%s that you can see.", f->name, v,
                                  f->refers_to ? " of kind " : "",
                                  f->refers_to ? f->refers_to : "");
        if (rv != APR_SUCCESS)      /* logged by the service */
            return itsm_call_fail(b->c, HTTP_SERVICE_UNAVAILABLE, "store-unavailable",
                                  "The ticket store is not available; try again later.");
        return (f->flags & ITSM_FIELD_RAISER_READS) ? raiser_reads(q, b->c, f, b->t, v) : 0;
    case ITSM_TYPE_PARTY:
        return exists_in_directory(q, b->c, party_exists, f->name, "party", v, NULL);
    case ITSM_TYPE_PERSON:
        /* of a party-scoped kind (another party's person in an article's audience reads
         * it), and not in an import of a finished ticket (its history as it was: the
         * assignee may have moved to another party since) */
        if (common_of(f) && strcmp(f->name, "assignee") == 0) {
            const itsm_kind_t *k = itsm_core_kind(q->core, b->t->kind);
            int finished = k && k->final_states && b->t->state
                           && itsm_doc_is_one_of(b->t->state, k->final_states);

            /* a new ticket in a final state is an import's (only imports bring a state) */
            if (k && k->visibility == ITSM_VISIBLE_PARTY && !(b->old == NULL && finished)) {
                rc = assignee_sees(q, b->c, b->t, v, &spelt);
                break;
            }
            /* not in an import (its history as it was: an author then may edit no more) */
            if (k && k->publish_action && !b->c->importing) {
                rc = assignee_edits(q, b->c, k, b->t, v, &spelt);
                break;
            }
        }
        rc = exists_in_directory(q, b->c, itsm_ldap_person_exists, f->name, "person", v,
                                 &spelt);
        break;
    case ITSM_TYPE_GROUP:
        rc = exists_in_directory(q, b->c, itsm_ldap_group_exists, f->name, "resolver group",
                                 v, &spelt);
        break;
    default:
        return 0;
    }
    /* stored as the directory spells it (its matching ignores case), so that a list filter,
     * a statistic, the feed and a login compare exactly: RES1 is kept as res1 */
    if (rc == 0 && spelt != NULL && strcmp(spelt, v) != 0)
        field_set(b->t, f, spelt);
    return rc;
}

/* A unique field's new value (ITSM_FIELD_UNIQUE) held by no other ticket of the kind, of any
 * party: 409 duplicate otherwise. Read through the field index before the write, as link
 * limits are counted. */
static int unique_ok(itsm_req_t *q, itsm_call_t *c, const itsm_kind_t *k, const itsm_ticket_t *old,
                     const itsm_ticket_t *t)
{
    const itsm_field_t *f;

    for (f = k->fields; f && f->name; f++) {
        const char *v = apr_table_get(t->fields, f->name);
        const char *was = old ? apr_table_get(old->fields, f->name) : NULL;
        itsm_filter_t filter = { 0 };
        apr_array_header_t *rows;
        int more, i;

        if (!(f->flags & ITSM_FIELD_UNIQUE) || v == NULL || (was && strcmp(was, v) == 0))
            continue;
        filter.nfields = 1;
        filter.field[0] = f->name;
        filter.value[0] = v;
        filter.limit = 2;
        if (itsm_req_bind_store(q) != APR_SUCCESS
            || itsm_store_list(q->store, &rows, &more, k->kind,
                               itsm_store_scope(c->pool, 1, NULL, NULL), &filter, c->pool)
               != APR_SUCCESS) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, q->r, ITSMLOGNO(00420)
                          "store unavailable checking that %s %s is unique", k->kind, f->name);
            itsm_call_fail(c, HTTP_SERVICE_UNAVAILABLE, "store-unavailable",
                           "The ticket store is not available; try again later.");
            return 0;
        }
        for (i = 0; i < rows->nelts; i++) {
            const itsm_ticket_t *other = APR_ARRAY_IDX(rows, i, itsm_ticket_t *);

            if (old == NULL || other->id != old->id) {
                /* a value the process derives (a term's key from its text) was not sent:
                 * name the ticket by its title, not by a field the caller never wrote */
                itsm_ticket_t *seen_as = NULL;

                /* its title only to one who may read it (the look-up spans every party) */
                if ((f->flags & ITSM_FIELD_READONLY)
                    && c->svc->ticket_get(c, &seen_as, k->kind, other->number) == APR_SUCCESS
                    && seen_as->title)
                    itsm_call_fail(c, HTTP_CONFLICT, "duplicate", "There is a %s like this "
                                   "already: %s \"%s\".", k->kind, other->number,
                                   seen_as->title);
                else if (f->flags & ITSM_FIELD_READONLY)
                    itsm_call_fail(c, HTTP_CONFLICT, "duplicate", "There is a %s like this "
                                   "already: %s.", k->kind, other->number);
                else
                    itsm_call_fail(c, HTTP_CONFLICT, "duplicate", "%s %s holds this %s "
                                   "already (<%s> %s).", k->kind, other->number, f->name,
                                   f->name, v);
                return 0;
            }
        }
    }
    return 1;
}

/* The field of kind k a caller wrote t's audience in: the audience field, or, when the
 * process derives it (read-only, as an article's readers from its audience), the kind's
 * writable field holding the same value. */
static const char *audience_named(const itsm_kind_t *k, const itsm_ticket_t *t,
                                  const char *value)
{
    const itsm_field_t *f = itsm_doc_kind_field(k, k->audience_field);
    const char *v;

    if (f == NULL || !(f->flags & ITSM_FIELD_READONLY))
        return k->audience_field;
    for (f = k->fields; f && f->name; f++)
        if (!(f->flags & ITSM_FIELD_READONLY) && (v = apr_table_get(t->fields, f->name)) != NULL
            && strcmp(v, value) == 0)
            return f->name;
    return k->audience_field;
}

/* The audience of t (a ticket of kind k seen by an audience), when it is new (created or
 * changed; an unchanged one was checked when written, and the store checks its syntax at
 * each write, index_audience): entries of the documented syntax, at most ITSM_AUDIENCE_MAX
 * of them (itsm_store_audience_parse), no entry holding a comma (entries are separated by
 * spaces: "party:A,party:B" would be a party of that ID) and every party:ID a Party ID of
 * the directory, spelt as it spells it (the audience keys of its people are: a party:alpe
 * would reach nobody). One directory search per write of a new audience naming parties,
 * none on reads. A refusal (422 naming the field the caller wrote, 503 without the
 * directory) is put on c. */
static int audience_ok(itsm_req_t *q, itsm_call_t *c, const itsm_kind_t *k,
                       const itsm_ticket_t *old, const itsm_ticket_t *t)
{
    const char *value, *was, *why, *errmsg = NULL, *name;
    apr_array_header_t *keys, *parties, *found;
    apr_status_t rv;
    int i, j;

    if (k->visibility != ITSM_VISIBLE_AUDIENCE || k->audience_field == NULL)
        return 1;
    value = apr_table_get(t->fields, k->audience_field);
    was = old ? apr_table_get(old->fields, k->audience_field) : NULL;
    name = audience_named(k, t, value ? value : "");
    if (value == NULL || (was && strcmp(was, value) == 0))
        return 1;       /* as stored: checked when written (an older build's, uncapped, too) */
    if (itsm_store_audience_parse(c->pool, value, ITSM_AUDIENCE_MAX, &keys, &why)
        != APR_SUCCESS) {
        itsm_call_fail(c, HTTP_UNPROCESSABLE_ENTITY, "invalid-field", "<%s>: %s", name, why);
        return 0;
    }
    parties = apr_array_make(c->pool, keys->nelts, sizeof(const char *));
    for (i = 0; i < keys->nelts; i++) {
        const char *key = APR_ARRAY_IDX(keys, i, const char *);

        if (strchr(key, ',')) {
            itsm_call_fail(c, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                           "<%s>: '%s' is not an audience entry: separate the entries by "
                           "spaces, not commas", name, key);
            return 0;
        }
        if (strncmp(key, "party:", 6) == 0)
            APR_ARRAY_PUSH(parties, const char *) = key + 6;
    }
    if (parties->nelts == 0)
        return 1;
    rv = itsm_ldap_party_ids(q->core->directory, parties, &found, &errmsg, c->pool);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, q->r, ITSMLOGNO(00108)
                      "directory unavailable checking the parties of an audience: %s",
                      errmsg ? errmsg : "no answer");
        itsm_call_fail(c, HTTP_SERVICE_UNAVAILABLE, "directory-unavailable",
                       "The identity directory is not available; try again later.");
        return 0;
    }
    for (i = 0; i < parties->nelts; i++) {
        const char *id = APR_ARRAY_IDX(parties, i, const char *), *spelt = NULL;

        for (j = 0; j < found->nelts; j++) {
            const char *f = APR_ARRAY_IDX(found, j, const char *);

            if (strcmp(f, id) == 0)
                break;
            if (strcasecmp(f, id) == 0)
                spelt = f;
        }
        if (j < found->nelts)
            continue;
        if (spelt)
            itsm_call_fail(c, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                           "<%s>: there is no party %s in the directory: Party IDs are "
                           "written as the directory writes them (party:%s)", name, id, spelt);
        else
            itsm_call_fail(c, HTTP_UNPROCESSABLE_ENTITY, "invalid-field",
                           "<%s>: there is no party %s in the directory.", name, id);
        return 0;
    }
    return 1;
}

/* The references of t (a ticket of kind k) checked, and its unique fields; a refusal is put
 * on c. */
int itsm_doc_references_ok(itsm_req_t *q, itsm_call_t *c, const itsm_kind_t *k,
                         const itsm_ticket_t *old, itsm_ticket_t *t)
{
    refs_baton_t b = { q, c, old, t };

    return each_field(k, check_reference, &b) == 0 && unique_ok(q, c, k, old, t)
           && audience_ok(q, c, k, old, t);
}

int itsm_doc_check_references(itsm_req_t *q, const itsm_ticket_t *old, itsm_ticket_t *t)
{
    itsm_call_t c;

    itsm_req_init_call(q, &c);
    return itsm_doc_references_ok(q, &c, q->route->kind, old, t) ? OK : itsm_resp_fail_call(q, &c);
}
