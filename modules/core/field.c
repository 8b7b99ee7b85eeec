/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Typed fields (itsm_field_t): parsing a value of each type into its canonical form, and
 * typed reads and writes of a ticket's fields for process rules. Part of the SDK: APR only,
 * unit-tested in tests/unit/test_field.c. */
#include <apr_strings.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "itsm.h"
#include "itsm_codec.h"
#include "itsm_xml.h"

itsm_field_type_e itsm_field_type(const itsm_field_t *f)
{
    return f->type == ITSM_TYPE_TEXT && f->refers_to ? ITSM_TYPE_TICKET : f->type;
}

static int parse_int(const char *s, apr_int64_t *out)
{
    char *end;
    long long v;

    if (*s == '\0' || strchr(" \t\n+", *s))
        return 0;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || *end != '\0')
        return 0;
    *out = v;
    return 1;
}

static int valid_number(const char *s)
{
    const char *d = s;

    while (*d >= 'A' && *d <= 'Z')
        d++;
    return d > s && strlen(d) == 7 && strspn(d, "0123456789") == 7;
}

/* text without the XML white space (space, tab, CR, LF) at its ends: a value of a type
 * that XML Schema reads with whitespace="collapse" (xs:integer, xs:boolean, xs:dateTime,
 * xs:duration, a token), as the request's schema validated it: " 2 " is the level 2. */
const char *itsm_text_trim(apr_pool_t *p, const char *text)
{
    static const char xml_space[] = " \t\r\n";
    size_t lead = strspn(text, xml_space), len = strlen(text + lead);

    while (len > 0 && strchr(xml_space, text[lead + len - 1]))
        len--;
    return lead == 0 && text[len] == '\0' ? text : apr_pstrmemdup(p, text + lead, len);
}

apr_status_t itsm_field_check(const itsm_field_t *f, const char *text, apr_pool_t *p,
                              const char **value, const char **why)
{
    const char *const *v;
    itsm_field_type_e type = itsm_field_type(f);
    apr_int64_t n;
    apr_time_t t;

    /* a one-line text too: " Printer down " is the title "Printer down" (a text's ends
     * are no part of it; a long text's or markup's lines keep their indentation) */
    if (type != ITSM_TYPE_LONG_TEXT && type != ITSM_TYPE_XHTML)
        text = itsm_text_trim(p, text);
    *value = text;
    switch (type) {
    case ITSM_TYPE_TEXT:
        if (strpbrk(text, "\r\n")) {
            *why = "must be one line";
            return APR_EINVAL;
        }
        return APR_SUCCESS;
    case ITSM_TYPE_LONG_TEXT:
        return APR_SUCCESS;
    case ITSM_TYPE_INTEGER:
        if (!parse_int(text, &n)) {
            *why = "must be a whole number";
            return APR_EINVAL;
        }
        if (f->min < f->max && (n < f->min || n > f->max)) {
            *why = apr_psprintf(p, "must be from %" APR_INT64_T_FMT " to %" APR_INT64_T_FMT,
                                f->min, f->max);
            return APR_EINVAL;
        }
        *value = apr_psprintf(p, "%" APR_INT64_T_FMT, n);
        return APR_SUCCESS;
    case ITSM_TYPE_BOOLEAN:
        if (strcmp(text, "true") == 0 || strcmp(text, "1") == 0)
            *value = "true";
        else if (strcmp(text, "false") == 0 || strcmp(text, "0") == 0)
            *value = "false";
        else {
            *why = "must be true or false";
            return APR_EINVAL;
        }
        return APR_SUCCESS;
    case ITSM_TYPE_DATETIME:
        if (itsm_time_parse(&t, text) != APR_SUCCESS) {
            *why = "must be an RFC 3339 time with its offset, e.g. 2026-11-23T09:00:00Z";
            return APR_EINVAL;
        }
        *value = itsm_time_format(p, t);
        return APR_SUCCESS;
    case ITSM_TYPE_DURATION:
        if (itsm_duration_parse(&t, text) != APR_SUCCESS) {
            *why = "must be a duration in days, hours, minutes and seconds, e.g. P1DT2H30M";
            return APR_EINVAL;
        }
        *value = itsm_duration_format(p, t);
        return APR_SUCCESS;
    case ITSM_TYPE_ENUM:
        for (v = f->values; v && *v; v++)
            if (strcmp(*v, text) == 0)
                return APR_SUCCESS;
        *why = "is not one of the allowed values";
        if (f->values) {
            const char *list = "";

            for (v = f->values; *v; v++)
                list = apr_pstrcat(p, list, *list ? ", " : "", *v, NULL);
            *why = apr_pstrcat(p, "must be one of ", list, NULL);
        }
        return APR_EINVAL;
    case ITSM_TYPE_TICKET:
        if (!valid_number(text)) {
            *why = "must be a ticket number, e.g. INC0000042";
            return APR_EINVAL;
        }
        return APR_SUCCESS;
    case ITSM_TYPE_PARTY:
    case ITSM_TYPE_PERSON:
    case ITSM_TYPE_GROUP:
        if (*text == '\0' || strpbrk(text, "\r\n")) {
            *why = "must name one entry of the directory";
            return APR_EINVAL;
        }
        return APR_SUCCESS;
    case ITSM_TYPE_XHTML:
        return itsm_xhtml_check(p, text, value, why);
    }
    *why = "has a type this core does not know";
    return APR_EINVAL;
}

apr_int64_t itsm_ticket_int(const itsm_ticket_t *t, const char *name, apr_int64_t dflt)
{
    const char *s = apr_table_get(t->fields, name);
    apr_int64_t v;

    return s && parse_int(s, &v) ? v : dflt;
}

int itsm_ticket_bool(const itsm_ticket_t *t, const char *name, int dflt)
{
    const char *s = apr_table_get(t->fields, name);

    if (s && (strcmp(s, "true") == 0 || strcmp(s, "1") == 0))
        return 1;
    if (s && (strcmp(s, "false") == 0 || strcmp(s, "0") == 0))
        return 0;
    return dflt;
}

apr_time_t itsm_ticket_time(const itsm_ticket_t *t, const char *name)
{
    const char *s = apr_table_get(t->fields, name);
    apr_time_t v;

    return s && itsm_time_parse(&v, s) == APR_SUCCESS ? v : 0;
}

/* A ticket's value by the name itsm_ticket_same takes: its own assignee and group, else a
 * field; NULL when absent or empty (or t NULL). */
static const char *kept_value(const itsm_ticket_t *t, const char *name)
{
    const char *v;

    if (t == NULL)
        return NULL;
    v = strcmp(name, "assignee") == 0 ? t->assignee
        : strcmp(name, "group") == 0 ? t->group
        : strcmp(name, "priority") == 0 ? t->priority
        : strcmp(name, "title") == 0 ? t->title : apr_table_get(t->fields, name);
    return v && *v ? v : NULL;
}

int itsm_ticket_same(const itsm_ticket_t *old, const itsm_ticket_t *t, const char *name)
{
    const char *a = kept_value(old, name), *b = kept_value(t, name);

    return a == b || (a && b && strcmp(a, b) == 0);
}

int itsm_call_keeps(itsm_call_t *c, const char *kind, const char *grant,
                    const itsm_ticket_t *old, const itsm_ticket_t *t, const char *const *names)
{
    for (; *names; names++)
        if (!itsm_ticket_same(old, t, *names))
            return c->svc->allows(c, kind, grant);
    return 1;
}

void itsm_ticket_set_int(apr_pool_t *p, itsm_ticket_t *t, const char *name, apr_int64_t v)
{
    apr_table_setn(t->fields, name, apr_psprintf(p, "%" APR_INT64_T_FMT, v));
}

void itsm_ticket_set_bool(itsm_ticket_t *t, const char *name, int v)
{
    apr_table_setn(t->fields, name, v ? "true" : "false");
}

void itsm_ticket_set_time(apr_pool_t *p, itsm_ticket_t *t, const char *name, apr_time_t v)
{
    apr_table_setn(t->fields, name, itsm_time_format(p, v));
}
