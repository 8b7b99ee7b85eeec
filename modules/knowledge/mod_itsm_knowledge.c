/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* mod_itsm_knowledge: knowledge management (LLSD 16). Registers the kinds "article" (KB,
 * /itsm/articles: reviewed, approved, published in versions, seen by an audience, searched)
 * and "term" (GL, /itsm/glossary: the glossary, A-Z, whose acronyms are search synonyms),
 * and the resource /itsm/knowledge-gaps, with the core through the provider API; the rules
 * are in knowledge.c. */
#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <http_protocol.h>
#include <ap_provider.h>
#include <apr_strings.h>
#include <string.h>

#include "itsm.h"
#include "itsm_codec.h"
#include "knowledge.h"

static const itsm_field_t article_fields[] = {
    /* required (article_create says so); read with the article alone: a search's results
     * show its snippet instead (ITSM_FIELD_DETAIL) */
    { "body", ITSM_FIELD_DETAIL, .type = ITSM_TYPE_XHTML },
    { "category", ITSM_FIELD_INDEXED },
    { "services", ITSM_FIELD_INDEXED },
    { "keywords", 0 },
    /* whom it is for: shown to the kind's editors only, never to its readers, who would
     * learn which other parties (party:ID) an article is for */
    { "audience", ITSM_FIELD_EDITORS_ONLY },
    /* the audience as the core reads it */
    { "readers", ITSM_FIELD_READONLY | ITSM_FIELD_EDITORS_ONLY },
    /* the knowledge gap it was drafted from: a query of one party's people, for the
     * knowledge roles, who write the answer (a manager hands the gap to the authors by
     * drafting from it); never for its readers. Indexed: the gaps read names the article
     * drafted from each gap (itsm_search_t.gap_field) */
    { "gap", ITSM_FIELD_CREATE_ONLY | ITSM_FIELD_EDITORS_ONLY | ITSM_FIELD_INDEXED },
    /* the readers' net helpful votes, kept by the core from the votes, for the search's
     * boost: no one sets it, and it is not in the article's document (its <helpfulness>
     * shows the counts of the version read) */
    { "netVotes", ITSM_FIELD_VOTES, .type = ITSM_TYPE_INTEGER },
    { NULL }
};

/* Title heaviest, then keywords, category and services, then the body's text. */
static const itsm_search_field_t article_search_fields[] = {
    { "title", ITSM_SEARCH_TITLE },
    { "keywords", ITSM_SEARCH_KEYWORDS },
    { "category", ITSM_SEARCH_KEYWORDS },
    { "services", ITSM_SEARCH_KEYWORDS },
    { "body", ITSM_SEARCH_BODY },
    { NULL }
};
/* articles are searched much more than written: prefixes from their own index; of two
 * articles that match alike, the one its readers found more helpful ranks first */
static const itsm_search_t article_search = { .fields = article_search_fields,
                                              .boost_field = "netVotes",
                                              .prefix_index = 1,
                                              .gap_field = "gap" };

static const itsm_kind_t article_kind = {
    .kind = "article",
    .collection = "articles",
    .element = "article",
    .prefix = "KB",
    .fields = article_fields,
    .actions = article_actions,
    .initial_state = "draft",
    .final_states = article_finished,
    .followers = ITSM_FOLLOW_RAISER,
    .follow_role = "knowledge-manager",
    .create = article_create,
    .update = article_update,
    .action = article_action,
    .visibility = ITSM_VISIBLE_AUDIENCE,
    .audience_field = "readers",
    .publish_action = "publish",
    .withdraw_action = "retire",
    .search = &article_search,
};

/* The glossary's index, A-Z and 0-9 (knowledge.c term_letter): ?letter=q is Q. */
static const char *const term_letters[] = {
    "A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N", "O", "P", "Q", "R",
    "S", "T", "U", "V", "W", "X", "Y", "Z", "0-9", NULL
};

static const itsm_field_t term_fields[] = {
    { "definition", ITSM_FIELD_REQUIRED, .type = ITSM_TYPE_LONG_TEXT },
    { "acronym", ITSM_FIELD_INDEXED },
    { "letter", ITSM_FIELD_READONLY | ITSM_FIELD_INDEXED, .type = ITSM_TYPE_ENUM,
      .values = term_letters },
    { "key", ITSM_FIELD_READONLY | ITSM_FIELD_INDEXED | ITSM_FIELD_UNIQUE },
    { "sortKey", ITSM_FIELD_READONLY | ITSM_FIELD_SORTABLE },  /* sort=title: the A-Z */
    { "audience", ITSM_FIELD_READONLY },        /* all: the glossary is everyone's */
    { NULL }
};

/* A term is found by itself and its acronym, and the two expand each other in every
 * search ("DIP" finds "Data Integration Platform"). */
static const itsm_search_field_t term_search_fields[] = {
    { "title", ITSM_SEARCH_TITLE },
    { "acronym", ITSM_SEARCH_TITLE },
    { "definition", ITSM_SEARCH_BODY },
    { NULL }
};
static const itsm_search_t term_search = {
    .fields = term_search_fields,
    .synonym_field = "acronym",
};

static const itsm_kind_t term_kind = {
    .kind = "term",
    .collection = "glossary",
    .element = "term",
    .prefix = "GL",
    .fields = term_fields,
    .initial_state = "active",
    .create = term_create,
    .update = term_update,
    .visibility = ITSM_VISIBLE_AUDIENCE,
    .audience_field = "audience",
    .search = &term_search,
    .derive = term_derive_fields,
    .derivation = TERM_DERIVATION,
    .title_sort_field = "sortKey",
};

static const itsm_kind_t *const kinds[] = { &article_kind, &term_kind, NULL };

/* GET /itsm/knowledge-gaps[?limit=&offset=]: the searches of articles that found nothing or
 * did not stop a case, most frequent first, for those who may publish articles; each names
 * the article drafted from it, while that article is not retired (article="KB..."). */
static int knowledge_gaps(itsm_call_t *c, const char *rest, const apr_table_t *args,
                          itsm_xml_out_t *w)
{
    const char *ls = apr_table_get(args, "limit"), *os = apr_table_get(args, "offset");
    apr_int64_t limit = ls ? apr_atoi64(ls) : 20, offset = os ? apr_atoi64(os) : 0;
    apr_array_header_t *gaps;
    int i;

    if (rest)
        return itsm_call_fail(c, HTTP_NOT_FOUND, "not-found", "No such resource.");
    if (itsm_call_query_known(c, args, (const char *const[]){ "limit", "offset", NULL }))
        return c->status;       /* ?party=ALPE would answer every party's gaps */
    if ((ls && (limit < 1 || limit > 500 || strspn(ls, "0123456789") != strlen(ls)))
        || (os && (offset < 0 || offset > 1 << 30 || strspn(os, "0123456789") != strlen(os))))
        return itsm_call_fail(c, HTTP_BAD_REQUEST, "bad-query",
                              "limit takes 1 to 500 and offset a whole number from 0.");
    if (c->svc->search_gaps(c, "article", (int)limit, (int)offset, &gaps) != APR_SUCCESS)
        return itsm_call_fail(c, HTTP_SERVICE_UNAVAILABLE, "store-unavailable",
                              "The search analytics are not available; try again later.");
    for (i = 0; i < gaps->nelts; i++) {
        const itsm_search_gap_t *g = &APR_ARRAY_IDX(gaps, i, itsm_search_gap_t);

        itsm_xml_start_element(w, "gap");
        itsm_xml_write_attribute(w, "party", g->party);
        itsm_xml_write_attributef(w, "misses", "%" APR_INT64_T_FMT, g->misses);
        itsm_xml_write_attributef(w, "deflections", "%" APR_INT64_T_FMT,
                                  g->deflections);
        itsm_xml_write_attribute(w, "firstSeen",
                                 itsm_time_format(c->pool, g->first_seen));
        itsm_xml_write_attribute(w, "lastSeen",
                                 itsm_time_format(c->pool, g->last_seen));
        if (g->drafted)
            itsm_xml_write_attribute(w, "article", g->drafted);
        itsm_xml_write_string(w, g->query);
        itsm_xml_end_element(w);
    }
    return 0;
}

static const itsm_resource_t gaps_resource = {
    .path = "knowledge-gaps",
    .kind = "article",
    .action = KNOWLEDGE_GAPS_ACTION,
    .element = "knowledgeGaps",
    .get = knowledge_gaps,
};

static const itsm_resource_t *const resources[] = { &gaps_resource, NULL };

static const itsm_process_t knowledge_process = {
    ITSM_PROCESS_ABI,
    .name = "knowledge",
    .module = NULL,
    .schema = "itsm-knowledge.xsd",
    .stylesheet = "itsm-knowledge.xsl",
    .kinds = kinds,
    .resources = resources,
};

static void knowledge_hooks(apr_pool_t *p);

ITSM_PROCESS_MODULE_CONFIG(knowledge, knowledge_process, NULL, NULL, NULL, knowledge_hooks);

/* Below the module's declaration, which names the module of its log lines. The locale that
 * folds the terms' case, made before the children fork: without it the keys would differ
 * from those stored (and from other servers'), so httpd does not start. */
static int post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    apr_status_t rv = term_fold_init(pconf);

    if (rv == APR_SUCCESS)
        return OK;
    ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s, ITSMLOGNO(00960)
                 "the locale C.UTF-8 is not available: the glossary folds its terms' case by "
                 "its Unicode tables (Debian ships it in libc-bin: install the locale)");
    return HTTP_INTERNAL_SERVER_ERROR;
}

static void knowledge_hooks(apr_pool_t *p)
{
    ap_hook_post_config(post_config, NULL, NULL, APR_HOOK_MIDDLE);
}
