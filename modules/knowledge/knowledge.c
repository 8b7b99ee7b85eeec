/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Knowledge management rules (LLSD 16, RACI 16.5): the article lifecycle, who reads an
 * article (its audience), the draft made from a knowledge gap, and the glossary's terms. The
 * core stores, versions (publish is the kind's publish action, retire its withdraw action),
 * searches and renders; these functions only decide. No httpd header. */
#include <apr_strings.h>
#include <locale.h>
#include <string.h>
#include <wctype.h>

#include "itsm_codec.h"
#include "knowledge.h"
#include "itsm_xml.h"

#define HTTP_FORBIDDEN 403
#define HTTP_NOT_FOUND 404
#define HTTP_CONFLICT 409
#define HTTP_UNPROCESSABLE 422
#define HTTP_UNAVAILABLE 503

const char *const article_actions[] = {
    "submit", "reject", "approve", "publish", "retire", "revise", NULL
};
const char *const article_finished[] = { "retired", NULL };

/* The transitions of LLSD 16.3: each action, the states it is taken from, the state it
 * leads to. Who may take it is the role table's (conf/itsm-authz.xml, RACI 16.5). */
static const struct {
    const char *action;
    const char *const *from;
    const char *to;
} transitions[] = {
    { "submit", (const char *const[]){ "draft", NULL }, "in-review" },
    { "reject", (const char *const[]){ "in-review", "approved", NULL }, "draft" },
    { "approve", (const char *const[]){ "in-review", NULL }, "approved" },
    { "publish", (const char *const[]){ "approved", NULL }, "published" },
    /* from a revision's working copy too, while its earlier version is published: what
     * must come down comes down now, not after the revision's review */
    { "retire", (const char *const[]){ "published", "draft", "in-review", "approved", NULL },
      "retired" },
    { "revise", (const char *const[]){ "published", "retired", NULL }, "draft" },
};
#define N_TRANSITIONS (sizeof transitions / sizeof *transitions)

static int in(const char *state, const char *const *states)
{
    for (; *states; states++)
        if (strcmp(state, *states) == 0)
            return 1;
    return 0;
}

const char *article_readers(apr_pool_t *p, const char *audience)
{
    if (audience == NULL || strcmp(audience, "internal") == 0)
        return NULL;
    return audience;
}

/* The audience checked and the readers derived; the entry "internal" (the audience's entries
 * are separated by white space, as the core reads them) mixed with others is refused, an
 * entry that only contains the word (role:internal-audit) is one as any other. The words
 * internal and all are read in any case (Internal, ALL); another entry without a colon is
 * refused here, with the whole list of what an audience takes (the core's message cannot name
 * internal, this process's word). A list with all in other letters is kept with one space
 * between its entries; any other as given. */
static int set_audience(itsm_call_t *c, itsm_ticket_t *t)
{
    const char *a = apr_table_get(t->fields, "audience");
    const char *readers, *out = NULL;
    char *copy, *tok, *state;
    int entries = 0, internal = 0, respelt = 0;

    if (a == NULL)
        a = "internal";
    copy = apr_pstrdup(c->pool, a);
    for (tok = apr_strtok(copy, " \t\r\n", &state); tok;
         tok = apr_strtok(NULL, " \t\r\n", &state)) {
        entries++;
        if (strcasecmp(tok, "internal") == 0)
            internal = 1;
        else if (strcasecmp(tok, "all") == 0) {
            respelt |= strcmp(tok, "all") != 0;
            tok = "all";
        }
        else if (strchr(tok, ':') == NULL)
            return itsm_call_fail(c, HTTP_UNPROCESSABLE, "invalid-field",
                                  "<audience> '%s' is no audience: give internal alone, all, "
                                  "or party:ID, market-role:NAME and role:NAME entries",
                                  itsm_utf8_clip(c->pool, tok, 60, "..."));
        out = out ? apr_pstrcat(c->pool, out, " ", tok, NULL) : tok;
    }
    if (internal && entries > 1)
        return itsm_call_fail(c, HTTP_UNPROCESSABLE, "invalid-field",
                              "<audience> is internal alone, all, or a list of party:ID, "
                              "market-role:NAME and role:NAME entries");
    if (internal || out == NULL)
        a = "internal";
    else if (respelt)
        a = out;
    apr_table_setn(t->fields, "audience", a);
    readers = article_readers(c->pool, a);
    if (readers)
        apr_table_setn(t->fields, "readers", readers);
    else
        apr_table_unset(t->fields, "readers");
    return 0;
}

/* A body that says something: given, and its text (what a reader reads, what search
 * indexes) not empty nor only white space (<body></body>, <body>   </body>, <p> </p>);
 * refused otherwise (422). */
static int check_body(itsm_call_t *c, const itsm_ticket_t *t)
{
    const char *body = apr_table_get(t->fields, "body");

    if (body && !itsm_text_blank(itsm_xhtml_text(c->pool, body)))
        return 0;
    return itsm_call_fail(c, HTTP_UNPROCESSABLE, "invalid-field",
                          "<body> is required: an article says something");
}

/* A draft made from a knowledge gap (<gap>: a query the search analytics counted): by those
 * who see the gaps (GET /itsm/knowledge-gaps: KNOWLEDGE_GAPS_ACTION), else an author would
 * learn by trying which queries were counted and how often; the gap must be one the caller
 * sees, and have no article drafted from it that is not retired (409 naming it: two
 * managers would write the same answer twice); without a <body>, the body says what was
 * searched. */
static int from_gap(itsm_call_t *c, itsm_ticket_t *t, const char *gap)
{
    apr_array_header_t *gaps;
    const itsm_search_gap_t *found = NULL;
    apr_int64_t misses = 0, deflections = 0;
    int i;

    if (!c->svc->allows(c, "article", KNOWLEDGE_GAPS_ACTION))
        return itsm_call_fail(c, HTTP_FORBIDDEN, "forbidden",
                              "<gap>: drafting from a knowledge gap takes the grant to see "
                              "the gaps (" KNOWLEDGE_GAPS_ACTION " on article tickets).");
    if (c->svc->search_gaps(c, "article", 500, 0, &gaps) != APR_SUCCESS)
        return itsm_call_fail(c, HTTP_UNAVAILABLE, "store-unavailable",
                              "The search analytics are not available; try again later.");
    /* a gap is counted per party: the draft answers the question of every party the
     * caller sees, and says how often all of them asked it */
    for (i = 0; i < gaps->nelts; i++) {
        const itsm_search_gap_t *g = &APR_ARRAY_IDX(gaps, i, itsm_search_gap_t);

        if (strcmp(g->query, gap) != 0)
            continue;
        if (found == NULL || (g->drafted && !found->drafted))
            found = g;
        misses += g->misses;
        deflections += g->deflections;
    }
    if (found == NULL)
        return itsm_call_fail(c, HTTP_UNPROCESSABLE, "invalid-field",
                              "<gap>: '%s' is not a knowledge gap (GET /itsm/knowledge-gaps)",
                              gap);
    if (found->drafted)
        return itsm_call_fail(c, HTTP_CONFLICT, "duplicate",
                              "<gap>: %s is already drafted from '%s'; work on that article "
                              "(a gap is drafted again once its article is retired)",
                              found->drafted, gap);
    if (apr_table_get(t->fields, "body") == NULL) {
        const char *text = apr_psprintf(
            c->pool, "Searches for \u201c%s\u201d found no article (%" APR_INT64_T_FMT " %s) or "
            "did not stop a case being raised (%" APR_INT64_T_FMT " %s).\n\n"
            "Write the answer here.", gap, misses, misses == 1 ? "time" : "times",
            deflections, deflections == 1 ? "time" : "times");

        apr_table_setn(t->fields, "body", itsm_xhtml_from_text(c->pool, text));
    }
    return 0;
}

int article_create(itsm_call_t *c, itsm_ticket_t *t)
{
    const char *gap = apr_table_get(t->fields, "gap");
    int rc;

    if (!c->importing)
        t->state = "draft";
    if (gap && (rc = from_gap(c, t, gap)) != 0)
        return rc;
    if ((rc = check_body(c, t)) != 0)
        return rc;
    return set_audience(c, t);
}

static const char *const editable[] = { "draft", "in-review", NULL };

/* An edit's values checked: a body that says something, the audience and its readers. */
static int check_edit(itsm_call_t *c, itsm_ticket_t *t)
{
    int rc;

    if ((rc = check_body(c, t)) != 0)
        return rc;
    return set_audience(c, t);
}

/* The working copy changes while it is a draft or in review; an approved, published or
 * retired article is revised first (its published version stays until the next publish). */
int article_update(itsm_call_t *c, const itsm_ticket_t *old, itsm_ticket_t *t)
{
    if (!in(old->state, editable))
        return itsm_call_fail(c, HTTP_CONFLICT, "not-editable",
                              "an article that is %s is not edited: %s", old->state,
                              strcmp(old->state, "approved") == 0
                              ? "send it back to the author (the action reject) to make it a "
                                "draft again"
                              : "take the action revise to make a new draft");
    return check_edit(c, t);
}

/* Did the request change a value of old (t: old with the request's fields set)? */
static int edited(const itsm_ticket_t *old, const itsm_ticket_t *t)
{
    static const char *const own[] = { "title", "priority", "assignee", "group", NULL };
    const apr_array_header_t *a = apr_table_elts(t->fields);
    const apr_table_entry_t *e = (const apr_table_entry_t *)a->elts;
    const char *const *name;
    int i;

    for (name = own; *name; name++)
        if (!itsm_ticket_same(old, t, *name))
            return 1;
    for (i = 0; i < a->nelts; i++)
        if (!itsm_ticket_same(old, t, e[i].key))
            return 1;
    return 0;
}

int article_action(itsm_call_t *c, const char *action, const itsm_ticket_t *old,
                   itsm_ticket_t *t)
{
    size_t i;
    int rc;

    for (i = 0; i < N_TRANSITIONS; i++) {
        if (strcmp(transitions[i].action, action) != 0)
            continue;
        if (!in(old->state, transitions[i].from))
            return itsm_call_fail(c, HTTP_CONFLICT, "invalid-transition",
                                  "'%s' is not allowed from state '%s'", action, old->state);
        /* from a working copy: only while a version is published (a published article
         * imported from another tool has no version of ours, and is retired as it stands) */
        if (strcmp(action, "retire") == 0 && strcmp(old->state, "published") != 0
            && itsm_ticket_int(old, ITSM_VERSION_PUBLISHED, 0) == 0)
            return itsm_call_fail(c, HTTP_CONFLICT, "invalid-transition",
                                  "'retire' takes a published version out of publication: "
                                  "this %s article has none", old->state);
        /* An action's body sets fields (docs/api.md): an edit, of an article that is edited
         * (a draft, in review) or becomes a draft (reject, revise), under an edit's checks
         * (else the readers stayed the old audience's); an approved, published or retired
         * article is not changed on its way to or out of publication (publish with a new
         * body published what nobody had reviewed). */
        if (edited(old, t)) {
            if (!in(old->state, editable) && strcmp(transitions[i].to, "draft") != 0)
                return itsm_call_fail(c, HTTP_CONFLICT, "not-editable",
                                      "'%s' takes the %s article as it is: send it without "
                                      "fields (to change the article, %s it first)", action,
                                      old->state,
                                      strcmp(old->state, "approved") == 0 ? "reject" : "revise");
            if ((rc = check_edit(c, t)) != 0)
                return rc;
        }
        t->state = transitions[i].to;
        return 0;
    }
    return itsm_call_fail(c, HTTP_NOT_FOUND, "not-found", "no action '%s'", action);
}

/* ---- glossary terms ------------------------------------------------------------------ */

/* The locale whose case mappings fold a term: C.UTF-8, Unicode's as glibc has them (the C
 * locale's towlower knows ASCII alone). (locale_t)0 until term_fold_init. */
static locale_t fold_locale;

/* Made once a process and never freed: a worker thread may fold a term while the child
 * exits (its pools cleared), and a restart finds it made. */
apr_status_t term_fold_init(apr_pool_t *p)
{
    (void)p;
    if (fold_locale != (locale_t)0)
        return APR_SUCCESS;
    fold_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    if (fold_locale == (locale_t)0)
        return apr_get_os_error();
    return APR_SUCCESS;
}

/* cp lower-cased after upper-casing, so that what lower case alone leaves apart folds too
 * (the final ς with σ and Σ, the long ſ with s): Unicode's simple case folding, but for the
 * dotless ı, which folds to i here and stays apart there. */
static long fold(long cp)
{
    if (cp < 0x80)
        return cp >= 'A' && cp <= 'Z' ? cp + ('a' - 'A') : cp;
    if (fold_locale == (locale_t)0)
        return cp;
    return (long)towlower_l(towupper_l((wint_t)cp, fold_locale), fold_locale);
}

/* cp (a Unicode scalar value) written at out in UTF-8; returns the byte after it. */
static char *put_utf8(char *out, long cp)
{
    if (cp < 0x80) {
        *out++ = (char)cp;
        return out;
    }
    if (cp < 0x800)
        *out++ = (char)(0xC0 | (cp >> 6));
    else {
        if (cp < 0x10000)
            *out++ = (char)(0xE0 | (cp >> 12));
        else {
            *out++ = (char)(0xF0 | (cp >> 18));
            *out++ = (char)(0x80 | ((cp >> 12) & 0x3F));
        }
        *out++ = (char)(0x80 | ((cp >> 6) & 0x3F));
    }
    *out++ = (char)(0x80 | (cp & 0x3F));
    return out;
}

const char *term_key(apr_pool_t *p, const char *term)
{
    /* a character folds to at most twice its bytes (Ⱥ, two, to ⱥ, three; ASCII to ASCII) */
    char *key = apr_palloc(p, 2 * strlen(term) + 1), *k = key;
    const char *s = term;
    long cp;
    int len;

    while (*s) {
        cp = itsm_utf8_decode(s, 4, &len);      /* stops at the NUL */
        if (itsm_utf8_space(cp)) {
            if (k > key && k[-1] != ' ')
                *k++ = ' ';
        }
        else if (itsm_utf8_ignorable(cp))
            ;                                   /* shown as nothing: no part of the term */
        else if (cp < 0)
            *k++ = *s;                          /* not UTF-8: the byte as it is */
        else
            k = put_utf8(k, fold(cp));
        s += len;
    }
    if (k > key && k[-1] == ' ')
        k--;
    *k = '\0';
    return key;
}

/* The base letters of U+00C0..U+017F (Latin-1 and Latin Extended-A) in lower case, '-' for
 * the two signs among them (× ÷); a glossary's accented letters sort and are indexed with
 * their base letters (Éclair with Eclair, under E; Łódź under L). */
static const char latin_letters[] =
    "aaaaaaaceeeeiiiidnooooo-ouuuuyts" "aaaaaaaceeeeiiiidnooooo-ouuuuyty"  /* U+00C0 */
    "aaaaaaccccccccdd" "ddeeeeeeeeeegggg" "gggghhhhiiiiiiii" "iiiijjkkklllllll"  /* U+0100 */
    "lllnnnnnnnnnoooo" "oooorrrrrrssssss" "ssttttttuuuuuuuu" "uuuuwwyyyzzzzzzs"; /* U+0140 */

/* The letters cp sorts as (one is a buffer of two), NULL for a character that is no letter
 * of latin_letters: ligatures and ß as the letters they are written for. */
static const char *latin_base(long cp, char *one)
{
    switch (cp) {
    case 0xC6: case 0xE6: return "ae";
    case 0xDE: case 0xFE: return "th";
    case 0xDF: return "ss";
    case 0x132: case 0x133: return "ij";
    case 0x152: case 0x153: return "oe";
    }
    if (cp < 0xC0 || cp - 0xC0 >= (long)sizeof latin_letters - 1
        || latin_letters[cp - 0xC0] == '-')
        return NULL;
    one[0] = latin_letters[cp - 0xC0];
    one[1] = '\0';
    return one;
}

const char *term_sort_key(apr_pool_t *p, const char *key)
{
    /* no character grows: a two-byte letter sorts as one or two */
    char *sort = apr_palloc(p, strlen(key) + 1), *out = sort, one[2];
    const char *s = key, *base;
    long cp;
    int len;

    while (*s) {
        cp = itsm_utf8_decode(s, 4, &len);
        if (cp >= 0x300 && cp <= 0x36F)
            ;   /* a combining accent (an é typed as e and U+0301): its letter sorts alone */
        else if ((base = latin_base(cp, one)) != NULL)
            out = stpcpy(out, base);
        else {
            memcpy(out, s, len);
            out += len;
        }
        s += len;
    }
    *out = '\0';
    return sort;
}

/* The index letter of a sort key: its first letter A-Z, else "0-9". */
static const char *sort_letter(apr_pool_t *p, const char *sort)
{
    return *sort >= 'a' && *sort <= 'z' ? apr_psprintf(p, "%c", *sort - ('a' - 'A')) : "0-9";
}

const char *term_letter(apr_pool_t *p, const char *term)
{
    return sort_letter(p, term_sort_key(p, term_key(p, term ? term : "")));
}

void term_derive_fields(apr_pool_t *p, itsm_ticket_t *t)
{
    const char *key = term_key(p, t->title), *sort = term_sort_key(p, key);

    apr_table_setn(t->fields, "letter", sort_letter(p, sort));
    apr_table_setn(t->fields, "key", key);
    apr_table_setn(t->fields, "sortKey", sort);
    apr_table_setn(t->fields, "audience", "all");
}

/* A term: its title without surrounding spaces, its derived fields; a title of white space
 * alone (a no-break space too) is none. */
static int term_derive(itsm_call_t *c, itsm_ticket_t *t)
{
    /* a title is one line (the core's check): its ends are spaces and tabs alone */
    t->title = itsm_text_trim(c->pool, t->title);
    term_derive_fields(c->pool, t);
    if (*apr_table_get(t->fields, "key") == '\0')
        return itsm_call_fail(c, HTTP_UNPROCESSABLE, "invalid-field",
                              "<title> (the term) is empty");
    return 0;
}

int term_create(itsm_call_t *c, itsm_ticket_t *t)
{
    if (!c->importing)
        t->state = "active";
    return term_derive(c, t);
}

int term_update(itsm_call_t *c, const itsm_ticket_t *old, itsm_ticket_t *t)
{
    return term_derive(c, t);
}
