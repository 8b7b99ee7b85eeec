/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Full-text search: the query syntax (parsed here, re-emitted safely to the engine), the
 * index kept with every write of a searchable kind, synonyms, ranked searches, and search
 * analytics (gaps, failed deflections). The engines: SQLite FTS5 (porter unicode61, bm25()'s
 * formula as itsm_rank(), snippet()'s as itsm_snippet(): store_fts5.c) and PostgreSQL tsvector (english and simple, setweight, GIN, ts_rank_cd,
 * ts_headline); their differences are the search dialect table below and the migration
 * files. Every value is bound. */
#include <apr_global_mutex.h>
#include <apr_lib.h>
#include <stdarg.h>
#include <apr_strings.h>
#include <stdlib.h>
#include <string.h>

#include "itsm_codec.h"
#include "itsm_xml.h"
#include "store_int.h"

/* ---- the query ------------------------------------------------------------------------- */

enum { ITEM_WORD, ITEM_PREFIX, ITEM_PHRASE };

typedef struct item_t {
    int type;
    const char *text;           /* lower case words, one space between a phrase's words */
    int capitals;               /* a word typed in capitals ("IT"): its acronym's meaning */
} item_t;

/* English function words (PostgreSQL's english.stop, Snowball's list), sorted. A glossary
 * acronym that is one of them ("IT", "IS", "AND") expands a query only where the word is
 * typed in capitals, and a term never expands into it: the index keeps words in lower case,
 * so "it" as an expansion would match nearly every text, and "it" as typed nearly always
 * means the pronoun (docs/api.md, Search). */
static const char *const function_words[] = {
    "a", "about", "above", "after", "again", "against", "all", "am", "an", "and", "any", "are",
    "as", "at", "be", "because", "been", "before", "being", "below", "between", "both", "but",
    "by", "can", "did", "do", "does", "doing", "don", "down", "during", "each", "few", "for",
    "from", "further", "had", "has", "have", "having", "he", "her", "here", "hers", "herself",
    "him", "himself", "his", "how", "i", "if", "in", "into", "is", "it", "its", "itself",
    "just", "me", "more", "most", "my", "myself", "no", "nor", "not", "now", "of", "off", "on",
    "once", "only", "or", "other", "our", "ours", "ourselves", "out", "over", "own", "s",
    "same", "she", "should", "so", "some", "such", "t", "than", "that", "the", "their",
    "theirs", "them", "themselves", "then", "there", "these", "they", "this", "those",
    "through", "to", "too", "under", "until", "up", "very", "was", "we", "were", "what",
    "when", "where", "which", "while", "who", "whom", "why", "will", "with", "you", "your",
    "yours", "yourself", "yourselves"
};

static int word_cmp(const void *key, const void *elt)
{
    return strcmp(key, *(const char *const *)elt);
}

static int function_word(const char *w)
{
    return bsearch(w, function_words, sizeof function_words / sizeof function_words[0],
                   sizeof function_words[0], word_cmp) != NULL;
}

/* Whether a word item may stand for a glossary acronym: any word but a function word typed
 * in lower case. */
static int expandable(const item_t *it)
{
    return it->type != ITEM_WORD || it->capitals || !function_word(it->text);
}

struct itsm_search_query_t {
    apr_array_header_t *items;  /* item_t */
    int any;                    /* items are alternatives (else all must match) */
    int terms;
    const char *normal;
};

/* Whether cp belongs to a word: ASCII letters and digits, and the letters and digits of
 * other scripts as far as the engines' tokenizers see them (punctuation, symbols, spaces
 * and emoji of Unicode's common blocks separate words, as for FTS5's unicode61). */
static int word_char(long cp)
{
    if (cp < 0)
        return 0;
    if (cp < 0x80)
        return apr_isalnum((int)cp);
    if (cp < 0xC0)
        return cp == 0xAA || cp == 0xB2 || cp == 0xB3 || cp == 0xB5 || cp == 0xB9
               || cp == 0xBA || (cp >= 0xBC && cp <= 0xBE);
    if (cp == 0xD7 || cp == 0xF7)
        return 0;
    if ((cp >= 0x2000 && cp <= 0x2BFF) || (cp >= 0x2E00 && cp <= 0x2E7F)
        || (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFE10 && cp <= 0xFE6F)
        || (cp >= 0xFF00 && cp <= 0xFF0F) || (cp >= 0xFF1A && cp <= 0xFF20)
        || (cp >= 0xFF3B && cp <= 0xFF40) || (cp >= 0xFF5B && cp <= 0xFF65)
        || (cp >= 0x1F000 && cp <= 0x1FAFF) || cp == 0xFEFF)
        return 0;
    /* Unicode's noncharacters (U+FDD0-FDEF, the last two of each plane: U+FFFE and U+FFFF
     * are not XML characters, and a query's words go into the gaps' XML) and the specials
     * (U+FFF0-FFFD: annotation marks, the replacement character) */
    if ((cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE
        || (cp >= 0xFFF0 && cp <= 0xFFFD))
        return 0;
    return 1;
}

/* The word starting at s[*i] (a word character), lower case (ASCII); *i past it. */
static const char *take_word(apr_pool_t *p, const char *s, apr_size_t n, apr_size_t *i)
{
    apr_size_t start = *i;
    char *w, *c;
    int len;

    while (*i < n && word_char(itsm_utf8_decode(s + *i, n - *i, &len)))
        *i += (apr_size_t)len;
    w = apr_pstrndup(p, s + start, *i - start);
    for (c = w; *c; c++)
        *c = (char)apr_tolower(*c);
    return w;
}

/* Skip one character that is no word's (invalid UTF-8 bytes one by one). */
static apr_size_t skip_char(const char *s, apr_size_t n, apr_size_t i)
{
    int len;

    itsm_utf8_decode(s + i, n - i, &len);
    return i + (apr_size_t)len;
}

static int is_word_at(const char *s, apr_size_t n, apr_size_t i)
{
    int len;

    return word_char(itsm_utf8_decode(s + i, n - i, &len));
}

/* The words of s[0..n) joined by one space; *count of them. */
static const char *words_of(apr_pool_t *p, const char *s, apr_size_t n, int *count)
{
    const char *out = "";
    apr_size_t i = 0;

    *count = 0;
    while (i < n) {
        if (is_word_at(s, n, i)) {
            const char *w = take_word(p, s, n, &i);

            out = *count ? apr_pstrcat(p, out, " ", w, NULL) : w;
            (*count)++;
        }
        else
            i = skip_char(s, n, i);
    }
    return out;
}

static void add_item(itsm_search_query_t *q, int type, const char *text, int terms,
                     int capitals)
{
    item_t *it = apr_array_push(q->items);

    it->type = type;
    it->text = text;
    it->capitals = capitals;
    q->terms += terms;
    q->normal = apr_pstrcat(q->items->pool, q->normal, *q->normal ? " " : "",
                            type == ITEM_PHRASE ? "\"" : "", text,
                            type == ITEM_PHRASE ? "\"" : type == ITEM_PREFIX ? "*" : "", NULL);
}

/* Whether s[0..n) holds two words or more and no lower case letter (ASCII): a title typed
 * with caps lock on ("VPN IS DOWN"), where capitals tell no acronym from a word. */
static int shouted(const char *s, apr_size_t n)
{
    apr_size_t i;
    int words = 0, in_word = 0;

    for (i = 0; i < n; i++) {
        int w = apr_isalnum(s[i]) || (unsigned char)s[i] >= 0x80;

        if (apr_islower(s[i]))
            return 0;
        words += w && !in_word;
        in_word = w;
    }
    return words > 1;
}

/* Whether s[0..n) has an upper case letter (ASCII) and no lower case one. */
static int in_capitals(const char *s, apr_size_t n)
{
    apr_size_t i;
    int upper = 0;

    for (i = 0; i < n; i++) {
        if (apr_islower(s[i]))
            return 0;
        upper = upper || apr_isupper(s[i]);
    }
    return upper;
}

apr_status_t itsm_search_parse(apr_pool_t *p, const char *text, int any, int truncate,
                               itsm_search_query_t **out, const char **why)
{
    itsm_search_query_t *q = apr_pcalloc(p, sizeof *q);
    apr_size_t n = strlen(text), i = 0;
    int shouting;

    q->items = apr_array_make(p, 8, sizeof(item_t));
    q->any = any;
    q->normal = "";
    *out = q;
    shouting = shouted(text, n);
    if (n > ITSM_SEARCH_MAX_BYTES) {
        if (!truncate) {
            *why = apr_psprintf(p, "The query is %" APR_SIZE_T_FMT " bytes long; at most %d "
                                "are taken.", n, ITSM_SEARCH_MAX_BYTES);
            return APR_EINVAL;
        }
        n = ITSM_SEARCH_MAX_BYTES * 64 < n ? ITSM_SEARCH_MAX_BYTES * 64 : n;
    }
    while (i < n) {
        int count = 0;

        if (truncate && q->terms >= ITSM_SEARCH_MAX_TERMS)
            break;
        if (text[i] == '"') {
            const char *close = memchr(text + i + 1, '"', n - i - 1);
            const char *words;

            if (close == NULL) {        /* a lone quote is no operator */
                i++;
                continue;
            }
            words = words_of(p, text + i + 1, (apr_size_t)(close - text) - i - 1, &count);
            if (count)
                add_item(q, count > 1 ? ITEM_PHRASE : ITEM_WORD, words, count,
                         count == 1 && !shouting
                         && in_capitals(text + i + 1, (apr_size_t)(close - text) - i - 1));
            i = (apr_size_t)(close - text) + 1;
        }
        else if (is_word_at(text, n, i)) {
            apr_size_t start = i;
            const char *w = take_word(p, text, n, &i);
            int capitals = !shouting && in_capitals(text + start, i - start);

            if (i < n && text[i] == '*' && strlen(w) >= 2) {
                add_item(q, ITEM_PREFIX, w, 1, 0);
                i++;
            }
            else if (!any || (w[1] != '\0' && (capitals || !function_word(w))))
                add_item(q, ITEM_WORD, w, 1, capitals);
            /* else among alternatives a function word not written in capitals ("the",
             * "Again"; "IT" stays) or a lone letter or digit ("2", "x", "I"): it would match
             * nearly every text, so a new incident's "the" suggested every known error, and
             * "at 2" one whose workaround says "tray 2" */
        }
        else
            i = skip_char(text, n, i);
    }
    if (q->terms > ITSM_SEARCH_MAX_TERMS && !truncate) {
        *why = apr_psprintf(p, "The query has %d terms; at most %d are taken.", q->terms,
                            ITSM_SEARCH_MAX_TERMS);
        return APR_EINVAL;
    }
    return APR_SUCCESS;
}

int itsm_search_terms(const itsm_search_query_t *q)
{
    return q->terms;
}

const char *itsm_search_normal(const itsm_search_query_t *q)
{
    return q->normal;
}

/* ---- the dialects ---------------------------------------------------------------------- */

typedef struct search_dialect_t {
    const char *driver;
    int shapes_per_query;       /* 1: the search statement's text follows the query (a tsquery
                                 * expression per item): run unnamed, never kept, so that a
                                 * connection does not keep a statement per query shape */
    const char *index_delete;   /* PostgreSQL (SQLite: fts_t's): args ticket id, published */
    const char *index_insert;
    const char *row_insert;     /* its itsm_search_row (args: key, id, kind, party, everyone,
                                 * and SQLite: dl) */
    const char *row_insert_boost;   /* the same with the value of a boost field (args: those,
                                     * then the ticket id and the field) */
    int rowid;                  /* 1: rows keyed by rowid = ticket_id * 2 + published */
    const char *word, *prefix, *phrase;     /* one item of the query (args: its text) */
    int word_args, phrase_args;
    const char *and_op, *or_op;
    const char *boost;          /* the factor of a boost field's value (arg: the field) */
    const char *boost_row;      /* the same of the value the candidate's itsm_search_row holds
                                 * (t, no arg; schema 26) */
    const char *gap_sized;      /* a query column (%s: its name) that a gap may be: at most
                                 * ITSM_GAP_QUERY_MAX bytes (SQLite 3.40 has no octet_length) */
} search_dialect_t;

/* A boost field's value as the store keeps it in itsm_search_row (DOUBLE PRECISION: REAL on
 * SQLite by its type's name), read from the field's row; args: the ticket id, the field. */
#define BOOST_VALUE "(SELECT CAST(b.value AS DOUBLE PRECISION) FROM itsm_field_index b " \
    "WHERE b.ticket_id = " INT " AND b.name = %s)"

static const search_dialect_t search_dialects[] = {
    { "sqlite3", 0, NULL, NULL,
      "INSERT INTO itsm_search_row (rid, id, kind, party, everyone, dl) VALUES (" INT ", " INT
      ", %s, %s, " INT ", " INT ")",
      "INSERT INTO itsm_search_row (rid, id, kind, party, everyone, dl, boost) VALUES (" INT
      ", " INT ", %s, %s, " INT ", " INT ", " BOOST_VALUE ")",
      1, NULL, NULL, NULL, 0, 0, " AND ", " OR ",
      "COALESCE((SELECT 1.0 + MAX(CAST(b.value AS REAL), 0.0) / (MAX(CAST(b.value AS REAL), "
      "0.0) + 10.0) FROM itsm_field_index b WHERE b.ticket_id = t.id AND b.name = %s), 1.0)",
      "(1.0 + MAX(COALESCE(t.boost, 0.0), 0.0) / (MAX(COALESCE(t.boost, 0.0), 0.0) + 10.0))",
      "length(CAST(%s AS BLOB)) <= " APR_STRINGIFY(ITSM_GAP_QUERY_MAX) },
    { "pgsql", 1,
      "DELETE FROM itsm_search WHERE ticket_id = " INT " AND published = " INT,
      "INSERT INTO itsm_search (ticket_id, published, title, keywords, body, doc) "
      "SELECT x.i, x.p, x.ti, x.kw, x.bo, "
      "setweight(to_tsvector('english', x.ti), 'A') || "
      "setweight(to_tsvector('simple', x.ti), 'A') || "
      "setweight(to_tsvector('english', x.kw), 'B') || "
      "setweight(to_tsvector('simple', x.kw), 'B') || "
      "setweight(to_tsvector('english', x.bo), 'D') || "
      "setweight(to_tsvector('simple', x.bo), 'D') "
      "FROM (SELECT " INT " AS i, CAST(%s AS INTEGER) AS p, CAST(%s AS TEXT) AS ti, "
      "CAST(%s AS TEXT) AS kw, CAST(%s AS TEXT) AS bo) x",
      "INSERT INTO itsm_search_row (rid, id, kind, party, everyone) VALUES (" INT ", " INT
      ", %s, %s, " INT ")",
      "INSERT INTO itsm_search_row (rid, id, kind, party, everyone, boost) VALUES (" INT ", "
      INT ", %s, %s, " INT ", " BOOST_VALUE ")",
      0,
      "(plainto_tsquery('english', %s) || plainto_tsquery('simple', %s))",
      "to_tsquery('simple', quote_literal(%s) || ':*')",
      "(phraseto_tsquery('english', %s) || phraseto_tsquery('simple', %s))",
      2, 2, " && ", " || ",
      "COALESCE((SELECT 1.0 + GREATEST(CAST(b.value AS DOUBLE PRECISION), 0.0) / "
      "(GREATEST(CAST(b.value AS DOUBLE PRECISION), 0.0) + 10.0) FROM itsm_field_index b "
      "WHERE b.ticket_id = t.id AND b.name = %s), 1.0)",
      "(1.0 + GREATEST(COALESCE(t.boost, 0.0), 0.0) / (GREATEST(COALESCE(t.boost, 0.0), 0.0) "
      "+ 10.0))",
      "octet_length(%s) <= " APR_STRINGIFY(ITSM_GAP_QUERY_MAX) },
};

static const search_dialect_t *search_dialect(const itsm_store_t *st)
{
    return strcmp(st->dialect->driver, "sqlite3") == 0 ? &search_dialects[0] : &search_dialects[1];
}

/* Snippets: the matched words between these (no XML document holds them). */
#define MARK_ON "\x01"
#define MARK_OFF "\x02"

/* SQLite: the two FTS5 indexes (schema 24) and what names them. A kind's rows are in
 * itsm_search, or in itsm_search_prefix when it declares prefix_index (prefix indexes of 2
 * to 6 characters, schema 27; 2 and 3 from schema 24). The name is also the index's hidden column (MATCH, snippet(), the
 * ranking function's first argument) and its shadow tables' prefix; each index ranks with a
 * function of its own, whose kept counts are its own (store_fts5.c). PostgreSQL has one. */
typedef struct fts_t {
    const char *name;
    const char *rank;
    const char *index_delete;   /* args: key (ticket id * 2 + published) */
    const char *index_insert;   /* args: key, title, keywords, body, ticket id, published */
    const char *docsize;        /* args: key */
    const char *from;           /* a search's rows joined to their tickets as t */
    const char *narrow;         /* ... to their itsm_search_row as t */
    const char *snippets;       /* body, keywords, title */
    const char *df;             /* the table of its rows per word (schema 28), or NULL */
    const char *terms;          /* args: key; the row's words (row_terms) */
} fts_t;

#define FTS_SNIPPET(t, col) "itsm_snippet(s." t ", " col ", '" MARK_ON "', '" MARK_OFF "', '...', 24)"
#define FTS_TABLE(t, rank, df) { t, rank, "DELETE FROM " t " WHERE rowid = " INT, \
    "INSERT INTO " t " (rowid, title, keywords, body, ticket_id, published) VALUES (" INT \
    ", %s, %s, %s, " INT ", " INT ")", "SELECT hex(sz) FROM " t "_docsize WHERE id = " INT, \
    "FROM " t " s JOIN itsm_ticket t ON t.id = s.rowid / 2", \
    "FROM " t " s JOIN itsm_search_row t ON t.rid = s.rowid", \
    FTS_SNIPPET(t, "2") ", " FTS_SNIPPET(t, "1") ", " FTS_SNIPPET(t, "0"), df, \
    "SELECT itsm_terms(s." t ") FROM " t " s WHERE s.rowid = " INT }

/* The prefix index keeps its rows per word (schema 28: the articles' first searches); the
 * other one does not (problems' creates, which have a throughput target, would pay it). */
static const fts_t fts_tables[] = {
    FTS_TABLE("itsm_search", "itsm_rank", NULL),
    FTS_TABLE("itsm_search_prefix", "itsm_rank_prefix", "itsm_search_prefix_df"),
};

/* Whether k's rows are in the prefix index: declared, and on SQLite. */
static int fts_prefixed(const itsm_store_t *st, const itsm_kind_t *k)
{
    return k && k->search && k->search->prefix_index && search_dialect(st)->rowid;
}

static const fts_t *fts_of(const itsm_store_t *st, const itsm_kind_t *k)
{
    return &fts_tables[fts_prefixed(st, k)];
}

static apr_array_header_t *args_of(apr_pool_t *p, int n, ...)
{
    apr_array_header_t *a = apr_array_make(p, n, sizeof(const char *));
    va_list ap;
    int i;

    va_start(ap, n);
    for (i = 0; i < n; i++)
        arg(a, va_arg(ap, const char *));
    va_end(ap);
    return a;
}

/* ---- the index ------------------------------------------------------------------------- */

/* The text of t's searched fields of one weight, a line each; an XHTML field's plain text
 * (itsm_xhtml_text), not its markup. */
static const char *weight_text(apr_pool_t *p, const itsm_kind_t *k, const itsm_ticket_t *t,
                               itsm_search_weight_e weight)
{
    const itsm_search_field_t *f;
    const itsm_field_t *fd;
    const char *out = "";

    for (f = k->search->fields; f && f->name; f++) {
        const char *v = strcmp(f->name, "title") == 0 ? t->title
                                                      : apr_table_get(t->fields, f->name);

        for (fd = k->fields; v && fd && fd->name && strcmp(fd->name, f->name) != 0; fd++)
            ;
        if (v && fd && fd->name && itsm_field_type(fd) == ITSM_TYPE_XHTML)
            v = itsm_xhtml_text(p, v);

        if (f->weight == weight && v && *v)
            out = apr_pstrcat(p, out, *out ? "\n" : "", v, NULL);
    }
    return out;
}

#define SYNONYM_MAX 200

/* A synonym as stored: its words, lower case, one space, at most SYNONYM_MAX bytes. */
static const char *synonym_key(apr_pool_t *p, const char *v)
{
    int count;
    const char *w = words_of(p, v ? v : "", v ? strlen(v) : 0, &count);
    apr_size_t n = strlen(w);

    if (n <= SYNONYM_MAX)
        return w;
    n = SYNONYM_MAX;
    while (n > 0 && w[n] != ' ')
        n--;
    return apr_pstrndup(p, w, n);
}

static apr_status_t index_synonyms(itsm_store_t *st, const itsm_kind_t *k, const itsm_ticket_t *t,
                                   int published, int how, apr_pool_t *p)
{
    const char *id = i64(p, t->id), *term, *other;
    apr_status_t rv = APR_SUCCESS;

    if (k->search->synonym_field == NULL || published != (k->publish_action != NULL))
        return APR_SUCCESS;
    if (how != 1)
        rv = exec_sql(st, p, "DELETE FROM itsm_synonym WHERE ticket_id = " INT,
                         args_of(p, 1, id));
    if (rv != APR_SUCCESS || how < 0)
        return rv;
    term = synonym_key(p, t->title);
    other = synonym_key(p, apr_table_get(t->fields, k->search->synonym_field));
    if (*term == '\0' || *other == '\0' || strcmp(term, other) == 0)
        return APR_SUCCESS;
    rv = exec_sql(st, p, "INSERT INTO itsm_synonym (ticket_id, term, expansion) VALUES (" INT
                     ", %s, %s)", args_of(p, 3, id, term, other));
    if (rv == APR_SUCCESS)
        rv = exec_sql(st, p, "INSERT INTO itsm_synonym (ticket_id, term, expansion) VALUES ("
                         INT ", %s, %s)", args_of(p, 3, id, other, term));
    return rv;
}

/* Whether t's audience (as index_audience stores it for either copy) holds "all": every
 * reader holds that key (itsm_store_audience_keys), so the copy's itsm_search_row says so
 * and a search tests it before looking up the audience (schema 20). */
static int audience_everyone(apr_pool_t *p, const itsm_kind_t *k, const itsm_ticket_t *t)
{
    apr_array_header_t *keys;
    const char *why;

    return k->visibility == ITSM_VISIBLE_AUDIENCE && k->audience_field
           && itsm_store_audience_parse(p, apr_table_get(t->fields, k->audience_field), 0,
                                        &keys, &why) == APR_SUCCESS
           && has_key(keys, "all");
}

/* The first column of sql's last row (args: key), or NULL without a row; on the request's
 * connection, or the migration's during a back-fill. */
static apr_status_t select_value(itsm_store_t *st, const char *sql, const char *key,
                                 const char **out, apr_pool_t *p)
{
    rows_t *res;
    row_t *row = NULL;

    *out = NULL;
    if (st->conn_cache == NULL) {       /* the back-fill, on the migration's connection */
        apr_dbd_prepared_t *stmt = NULL;
        apr_dbd_results_t *dres = NULL;
        const char *args[1] = { key };

        if (backfill_prepare(st, sql, &stmt, p) != APR_SUCCESS)
            return APR_EGENERAL;
        st->error = apr_dbd_pselect(st->driver, p, st->handle, &dres, stmt, 0, 1, args);
        if (st->error)
            return APR_EGENERAL;
        res = rows_of(st, p, dres);
    }
    else if (select_sql(st, p, &res, sql, args_of(p, 1, key)) != APR_SUCCESS)
        return APR_EGENERAL;
    while (next_row(st->driver, p, res, &row))
        *out = apr_pstrdup(p, col(st, row, 0));
    return rows_done(res);
}

/* SQLite: the length in tokens of the index row key, as FTS5 keeps it (the docsize table:
 * a varint per column) and bm25() reads it; "" (NULL) when it is not there. */
static apr_status_t row_length(itsm_store_t *st, const fts_t *fts, const char *key,
                               const char **out, apr_pool_t *p)
{
    apr_int64_t total = 0, cur = 0;
    const char *h = NULL;

    *out = NULL;
    if (select_value(st, fts->docsize, key, &h, p) != APR_SUCCESS)
        return APR_EGENERAL;
    if (h == NULL)
        return APR_SUCCESS;
    for (; apr_isxdigit(h[0]) && apr_isxdigit(h[1]); h += 2) {
        int b = (apr_isdigit(h[0]) ? h[0] - '0' : apr_toupper(h[0]) - 'A' + 10) * 16
                + (apr_isdigit(h[1]) ? h[1] - '0' : apr_toupper(h[1]) - 'A' + 10);

        cur = cur * 128 + (b & 0x7F);
        if (b < 0x80) {
            total += cur;
            cur = 0;
        }
    }
    *out = i64(p, total);
    return APR_SUCCESS;
}

/* The words of the index row key (itsm_terms(), store_fts5.c: a JSON array; NULL without
 * the row), for an index that keeps its rows per word (fts->df). */
static apr_status_t row_terms(itsm_store_t *st, const fts_t *fts, const char *key,
                              const char **out, apr_pool_t *p)
{
    return select_value(st, fts->terms, key, out, p);
}

/* The index's rows per word (schema 28) made anew from FTS5's own counts (as the migration
 * makes them): after a kind's rows were deleted from the index in bulk (search_backfill). */
static apr_status_t search_df_rebuild(itsm_store_t *st, const fts_t *fts, apr_pool_t *p)
{
    apr_status_t rv = exec_sql(st, p, apr_pstrcat(p, "CREATE VIRTUAL TABLE temp.itsm_vocab "
                                                  "USING fts5vocab(main, ", fts->name,
                                                  ", 'row')", NULL), args_of(p, 0));

    if (rv == APR_SUCCESS)
        rv = exec_sql(st, p, apr_pstrcat(p, "DELETE FROM ", fts->df, NULL), args_of(p, 0));
    if (rv == APR_SUCCESS)
        rv = exec_sql(st, p, apr_pstrcat(p, "INSERT INTO ", fts->df, " (term, n) SELECT term, "
                                         "doc FROM temp.itsm_vocab UNION ALL SELECT '', "
                                         "count(*) FROM ", fts->name, NULL), args_of(p, 0));
    if (rv == APR_SUCCESS)
        rv = exec_sql(st, p, "DROP TABLE temp.itsm_vocab", args_of(p, 0));
    return rv;
}

/* The index's rows per word (schema 28) after a row's words went from was to now (JSON
 * arrays; NULL: no row): one less for each word it lost, one more for each it gained; an
 * unchanged text (a state change, a vote) changes nothing. The row '' counts the index's
 * rows, which the ranking compares with the index's own count before it trusts the table
 * (store_fts5.c, word_rows). */
static apr_status_t search_terms_count(itsm_store_t *st, const fts_t *fts, const char *was,
                                       const char *now, apr_pool_t *p)
{
    apr_status_t rv = APR_SUCCESS;

    if ((was == NULL) != (now == NULL))
        rv = exec_sql(st, p, apr_pstrcat(p, "UPDATE ", fts->df, " SET n = n + " INT
                                         " WHERE term = ''", NULL),
                      args_of(p, 1, now ? "1" : "-1"));
    was = was ? was : "[]";
    now = now ? now : "[]";
    if (rv != APR_SUCCESS || strcmp(was, now) == 0)
        return rv;
    rv = exec_sql(st, p, apr_pstrcat(p, "UPDATE ", fts->df, " SET n = n - 1 WHERE term IN "
                                     "(SELECT value FROM json_each(%s) WHERE value NOT IN "
                                     "(SELECT value FROM json_each(%s)))", NULL),
                  args_of(p, 2, was, now));
    if (rv == APR_SUCCESS)
        rv = exec_sql(st, p, apr_pstrcat(p, "INSERT INTO ", fts->df, " (term, n) SELECT value, "
                                         "1 FROM json_each(%s) WHERE value NOT IN (SELECT value "
                                         "FROM json_each(%s)) ON CONFLICT (term) DO UPDATE SET "
                                         "n = n + 1", NULL),
                      args_of(p, 2, now, was));
    return rv;
}

void search_texts(const char **out, const itsm_kind_t *k, const itsm_ticket_t *t,
                  apr_pool_t *p)
{
    out[ITSM_SEARCH_TITLE] = weight_text(p, k, t, ITSM_SEARCH_TITLE);
    out[ITSM_SEARCH_KEYWORDS] = weight_text(p, k, t, ITSM_SEARCH_KEYWORDS);
    out[ITSM_SEARCH_BODY] = weight_text(p, k, t, ITSM_SEARCH_BODY);
}

apr_status_t search_index(itsm_store_t *st, const itsm_kind_t *k, const itsm_ticket_t *t,
                          int published, int how, const char *const *texts, apr_pool_t *p)
{
    const search_dialect_t *d = search_dialect(st);
    const fts_t *fts = fts_of(st, k);
    const itsm_search_t *s = k->search;
    const char *id, *pub = published ? "1" : "0", *key;
    apr_status_t rv = APR_SUCCESS;

    if (s == NULL)
        return APR_SUCCESS;
    if (s->fields) {
        const char *was = NULL, *now = NULL;
        /* not in a back-fill (the migration's connection): search_backfill makes the counts
         * anew once it is done */
        int df = d->rowid && fts->df && st->conn_cache != NULL;

        id = i64(p, t->id);
        key = i64(p, t->id * 2 + published);
        if (df && how != 1)
            rv = row_terms(st, fts, key, &was, p);
        if (rv == APR_SUCCESS && how != 1)
            rv = exec_sql(st, p, d->rowid ? fts->index_delete : d->index_delete,
                             d->rowid ? args_of(p, 1, key) : args_of(p, 2, id, pub));
        if (rv == APR_SUCCESS && how != 1)
            rv = exec_sql(st, p, "DELETE FROM itsm_search_row WHERE rid = " INT,
                             args_of(p, 1, key));
        if (rv == APR_SUCCESS && how >= 0) {
            const char *made[ITSM_SEARCH_BODY + 1], *ti, *kw, *bo;
            const char *everyone = audience_everyone(p, k, t) ? "1" : "0", *dl = NULL;

            if (texts == NULL) {
                search_texts(made, k, t, p);
                texts = made;
            }
            ti = texts[ITSM_SEARCH_TITLE];
            kw = texts[ITSM_SEARCH_KEYWORDS];
            bo = texts[ITSM_SEARCH_BODY];
            rv = exec_sql(st, p, d->rowid ? fts->index_insert : d->index_insert,
                             d->rowid ? args_of(p, 6, key, ti, kw, bo, id, pub)
                                      : args_of(p, 5, id, pub, ti, kw, bo));
            if (rv == APR_SUCCESS && d->rowid)
                rv = row_length(st, fts, key, &dl, p);
            if (rv == APR_SUCCESS && df)
                rv = row_terms(st, fts, key, &now, p);
            if (rv == APR_SUCCESS) {
                apr_array_header_t *a = d->rowid
                    ? args_of(p, 6, key, id, k->kind, t->party, everyone, dl)
                    : args_of(p, 5, key, id, k->kind, t->party, everyone);

                if (s->boost_field) {       /* the value a search ranks by (schema 26) */
                    arg(a, id);
                    arg(a, s->boost_field);
                }
                rv = exec_sql(st, p, s->boost_field ? d->row_insert_boost : d->row_insert, a);
            }
            /* the other copy's row: the ticket's party, should it have moved */
            if (rv == APR_SUCCESS && how == 0)
                rv = exec_sql(st, p, "UPDATE itsm_search_row SET party = %s WHERE rid = " INT,
                                 args_of(p, 2, t->party, i64(p, t->id * 2 + !published)));
        }
        if (rv == APR_SUCCESS && df)
            rv = search_terms_count(st, fts, was, now, p);
    }
    return rv == APR_SUCCESS ? index_synonyms(st, k, t, published, how, p) : rv;
}

/* The value of k's boost field (itsm_search_t.boost_field) in both index rows of the ticket
 * id, from the field's row: after a vote changed it (store.c, vote_in_tx). A search ranks by
 * the value the candidate's row holds (schema 26: no look-up of the field per candidate). */
apr_status_t search_boost_rows(itsm_store_t *st, const itsm_kind_t *k, const char *id,
                               apr_pool_t *p)
{
    if (k == NULL || !itsm_kind_searchable(k) || k->search->boost_field == NULL)
        return APR_SUCCESS;
    return exec_sql(st, p, "UPDATE itsm_search_row SET boost = " BOOST_VALUE " WHERE rid IN ("
                    INT " * 2, " INT " * 2 + 1)",
                    args_of(p, 4, id, k->search->boost_field, id, id));
}

static apr_status_t backfill_search(itsm_store_t *st, const itsm_kind_t *k,
                                    const itsm_ticket_t *t, apr_time_t now, apr_pool_t *p)
{
    apr_dbd_prepared_t *stmt = NULL;
    apr_dbd_results_t *res = NULL;
    rows_t *cur;
    row_t *row = NULL;
    const char *sql = "SELECT title, fields FROM itsm_version WHERE ticket_id = " INT
                      " AND current = 1";
    const char *args[1];
    itsm_ticket_t *v = NULL;
    apr_status_t rv = search_index(st, k, t, 0, 1, NULL, p);

    (void)now;
    if (rv != APR_SUCCESS || k->publish_action == NULL)
        return rv;
    if ((stmt = apr_hash_get(st->migration_stmts, sql, APR_HASH_KEY_STRING)) == NULL) {
        /* kept for the back-fill: in its pool, not the ticket's (exec_sql) */
        if (backfill_prepare(st, sql, &stmt, apr_hash_pool_get(st->migration_stmts))
            != APR_SUCCESS)
            return APR_EGENERAL;
        apr_hash_set(st->migration_stmts, sql, APR_HASH_KEY_STRING, stmt);
    }
    args[0] = i64(p, t->id);
    st->error = apr_dbd_pselect(st->driver, p, st->handle, &res, stmt, 0, 1, args);
    if (st->error)
        return APR_EGENERAL;
    for (cur = rows_of(st, p, res); next_row(st->driver, p, cur, &row); ) {
        v = apr_pmemdup(p, t, sizeof *t);
        v->title = apr_pstrdup(p, col(st, row, 0));
        v->fields = itsm_codec_fields_decode(p, col(st, row, 1));
    }
    if (rows_done(cur) != APR_SUCCESS)
        return APR_EGENERAL;
    return v ? search_index(st, k, v, 1, 1, NULL, p) : APR_SUCCESS;
}

apr_status_t search_backfill(itsm_store_t *st, const itsm_kind_t *k, apr_pool_t *p)
{
    apr_array_header_t *one = args_of(p, 1, k->kind);
    apr_dbd_prepared_t *stmt = NULL;
    apr_dbd_results_t *res = NULL;
    rows_t *cur;
    row_t *row = NULL;
    const char *prefix = fts_prefixed(st, k) ? "1" : "0", *boost;
    apr_status_t rv;
    int found = 0, same = 0, same_boost = 0, was_prefixed = 0;

    if (k->search == NULL || (k->search->fields == NULL && k->search->synonym_field == NULL))
        return APR_SUCCESS;
    boost = k->search->fields && k->search->boost_field ? k->search->boost_field : "";
    if (backfill_prepare(st, "SELECT prefix, boost FROM itsm_search_indexed WHERE kind = %s",
                         &stmt, p))
        return APR_EGENERAL;
    st->error = apr_dbd_pselect(st->driver, p, st->handle, &res, stmt, 0, 1,
                                (const char **)one->elts);
    if (st->error)
        return APR_EGENERAL;
    for (cur = rows_of(st, p, res); next_row(st->driver, p, cur, &row); ) {
        const char *v = col(st, row, 0);

        found = 1;
        same = v && strcmp(v, prefix) == 0;
        was_prefixed = v && strcmp(v, "1") == 0;
        v = col(st, row, 1);
        same_boost = v && strcmp(v, boost) == 0;
    }
    if (rows_done(cur) != APR_SUCCESS)
        return APR_EGENERAL;
    if (same && same_boost)
        return APR_SUCCESS;
    if (same) {     /* the rows' boost values, of the field the kind now names (schema 26) */
        rv = exec_sql(st, p, *boost ? "UPDATE itsm_search_row SET boost = (SELECT CAST(b.value "
                                      "AS DOUBLE PRECISION) FROM itsm_field_index b WHERE "
                                      "b.ticket_id = itsm_search_row.id AND b.name = %s) "
                                      "WHERE kind = %s"
                                    : "UPDATE itsm_search_row SET boost = NULL WHERE kind = %s",
                      *boost ? args_of(p, 2, boost, k->kind) : one);
        if (rv == APR_SUCCESS)
            rv = exec_sql(st, p, "UPDATE itsm_search_indexed SET boost = %s WHERE kind = %s",
                          args_of(p, 2, boost, k->kind));
        return rv == APR_SUCCESS ? search_touch_boost(st, k->kind, p) : rv;
    }
    /* indexed for the first time, or moved to the other index (schema 24): all again */
    st->migration_stmts = apr_hash_make(p);
    rv = exec_sql(st, p, found ? "UPDATE itsm_search_indexed SET prefix = " INT ", boost = %s "
                                 "WHERE kind = %s"
                               : "INSERT INTO itsm_search_indexed (prefix, boost, kind) VALUES ("
                                 INT ", %s, %s)", args_of(p, 3, prefix, boost, k->kind));
    if (rv == APR_SUCCESS)
        rv = exec_sql(st, p, "DELETE FROM itsm_search WHERE ticket_id IN (SELECT id FROM "
                         "itsm_ticket WHERE kind = %s)", one);
    if (rv == APR_SUCCESS && search_dialect(st)->rowid)
        rv = exec_sql(st, p, "DELETE FROM itsm_search_prefix WHERE ticket_id IN (SELECT id "
                         "FROM itsm_ticket WHERE kind = %s)", one);
    if (rv == APR_SUCCESS)
        rv = exec_sql(st, p, "DELETE FROM itsm_search_row WHERE kind = %s", one);
    if (rv == APR_SUCCESS)
        rv = exec_sql(st, p, "DELETE FROM itsm_synonym WHERE ticket_id IN (SELECT id FROM "
                         "itsm_ticket WHERE kind = %s)", one);
    if (rv == APR_SUCCESS)
        rv = backfill_tickets(st, k, backfill_search, p);
    /* the prefix index's rows per word, if the kind's rows left it or came into it */
    if (rv == APR_SUCCESS && search_dialect(st)->rowid && (was_prefixed || *prefix == '1'))
        rv = search_df_rebuild(st, &fts_tables[1], p);
    if (rv == APR_SUCCESS)
        rv = search_touch(st, k->kind, p);
    st->migration_stmts = NULL;
    return rv;
}

/* ---- searching ------------------------------------------------------------------------- */

#define SYNONYM_RUN 6
/* Expansions of one term at most: a real glossary has a few meanings per acronym ("PM");
 * each expansion is a phrase of the query, so an acronym shared by dozens of terms would
 * make one word cost as much as dozens of searches. The first in their order are kept. */
#define SYNONYM_EXPANSIONS 8

/* The synonyms of the query's words and runs of words: term -> expansions (an array). */
static apr_status_t synonyms_of(itsm_store_t *st, const itsm_search_query_t *q,
                                apr_hash_t **out, apr_pool_t *p)
{
    const item_t *it = (const item_t *)q->items->elts;
    apr_array_header_t *keys = apr_array_make(p, 16, sizeof(const char *));
    apr_array_header_t *args = apr_array_make(p, 16, sizeof(const char *));
    rows_t *res;
    row_t *row = NULL;
    const char *sql;
    int i, j;

    *out = apr_hash_make(p);
    for (i = 0; st->kinds && i < st->kinds->nelts; i++) {
        const itsm_kind_t *k = APR_ARRAY_IDX(st->kinds, i, const itsm_kind_t *);

        if (k->search && k->search->synonym_field)
            break;
    }
    if (st->kinds == NULL || i == st->kinds->nelts)     /* no kind defines synonyms */
        return APR_SUCCESS;
    for (i = 0; i < q->items->nelts; i++) {
        const char *run = "";

        if (it[i].type == ITEM_PHRASE) {
            arg(keys, it[i].text);
            continue;
        }
        for (j = i; j < q->items->nelts && j < i + SYNONYM_RUN && it[j].type == ITEM_WORD; j++) {
            run = j > i ? apr_pstrcat(p, run, " ", it[j].text, NULL) : it[j].text;
            if (j > i || expandable(&it[i]))
                arg(keys, run);
        }
    }
    if (keys->nelts == 0)
        return APR_SUCCESS;
    /* the first SYNONYM_EXPANSIONS of each term (one bound for all the query's terms let a
     * term of hundreds of expansions, sorted first, take every other term's) */
    sql = apr_pstrcat(p, "SELECT term, expansion FROM (SELECT term, expansion, ROW_NUMBER() "
                      "OVER (PARTITION BY term ORDER BY expansion) AS n FROM (SELECT DISTINCT "
                      "term, expansion FROM itsm_synonym WHERE term IN ", in_list(p, keys, args),
                      ") d) w WHERE n <= " INT " ORDER BY term, expansion", NULL);
    arg(args, apr_itoa(p, SYNONYM_EXPANSIONS));
    if (select_sql(st, p, &res, sql, args) != APR_SUCCESS)
        return APR_EGENERAL;
    while (next_row(st->driver, p, res, &row)) {
        const char *term = col(st, row, 0), *expansion = col(st, row, 1);
        apr_array_header_t *exp;

        if (term == NULL || expansion == NULL || function_word(expansion))
            continue;   /* a function word as an expansion would match nearly every text */
        exp = apr_hash_get(*out, term, APR_HASH_KEY_STRING);
        if (exp == NULL) {
            exp = apr_array_make(p, 2, sizeof(const char *));
            apr_hash_set(*out, apr_pstrdup(p, term), APR_HASH_KEY_STRING, exp);
        }
        if (exp->nelts < SYNONYM_EXPANSIONS)
            arg(exp, apr_pstrdup(p, expansion));
    }
    return rows_done(res);
}

/* One item in the dialect: SQLite an FTS5 string (the words quoted: never an operator),
 * PostgreSQL a tsquery expression with its values bound. */
static const char *item_sql(apr_pool_t *p, const search_dialect_t *d, int type, const char *text,
                            apr_array_header_t *args)
{
    int n, i;

    if (d->rowid)       /* FTS5: words hold no '"', so a quoted string is plain text */
        return apr_pstrcat(p, "\"", text, "\"", type == ITEM_PREFIX ? " *" : "", NULL);
    n = type == ITEM_PREFIX ? 1 : type == ITEM_PHRASE ? d->phrase_args : d->word_args;
    for (i = 0; i < n; i++)
        arg(args, text);
    return type == ITEM_PREFIX ? d->prefix : type == ITEM_PHRASE ? d->phrase : d->word;
}

/* The query in the dialect: its items joined (all or any), a run of words with synonyms
 * matched as itself or any of them. */
static const char *match_sql(apr_pool_t *p, const search_dialect_t *d,
                             const itsm_search_query_t *q, apr_hash_t *syn,
                             apr_array_header_t *args)
{
    const item_t *it = (const item_t *)q->items->elts;
    const char *out = "";
    int i = 0, j, len;

    while (i < q->items->nelts) {
        const apr_array_header_t *exp = NULL;
        const char *group;

        /* the longest run of words from i with synonyms, or a phrase with them */
        for (len = SYNONYM_RUN; len > 0 && exp == NULL; len--) {
            const char *run = "";

            for (j = i; j < i + len && j < q->items->nelts
                        && (it[j].type == ITEM_WORD || (len == 1 && it[j].type == ITEM_PHRASE));
                 j++)
                run = j > i ? apr_pstrcat(p, run, " ", it[j].text, NULL) : it[j].text;
            if (j == i + len && (len > 1 || expandable(&it[i])))
                exp = apr_hash_get(syn, run, APR_HASH_KEY_STRING);
            if (exp)
                break;
        }
        if (exp == NULL)
            len = 1;
        group = "";
        for (j = i; j < i + len; j++)
            group = apr_pstrcat(p, group, j > i ? d->and_op : "",
                                item_sql(p, d, it[j].type, it[j].text, args), NULL);
        if (exp) {
            group = apr_pstrcat(p, "((", group, ")", NULL);
            for (j = 0; j < exp->nelts; j++)
                group = apr_pstrcat(p, group, d->or_op,
                                    item_sql(p, d, strchr(APR_ARRAY_IDX(exp, j, const char *), ' ')
                                                   ? ITEM_PHRASE : ITEM_WORD,
                                             APR_ARRAY_IDX(exp, j, const char *), args), NULL);
            group = apr_pstrcat(p, group, ")", NULL);
        }
        out = apr_pstrcat(p, out, *out ? (q->any ? d->or_op : d->and_op) : "", group, NULL);
        i += len;
    }
    return out;
}

/* The rank cut-off: a query is ranked over the newest ITSMSearchRanked matching tickets the
 * caller may see (found in the index's order, which costs no ranking), so that a common word
 * matching most of the index costs a bounded number of bm25() / ts_rank_cd() evaluations
 * instead of one per match (docs/performance.md, "Knowledge base search"; about 2 µs each on
 * SQLite, the most of a first query's time). Older matches of such a query are not shown: a
 * more specific query finds them. */
static int search_ranked(const itsm_store_t *st)
{
    return st->search_ranked > 0 ? st->search_ranked : ITSM_SEARCH_RANKED;
}

/* A statement of this request only (its values bound; PostgreSQL: PQexecParams). */
static apr_status_t select_once(itsm_store_t *st, apr_pool_t *p, rows_t **out,
                                const char *sql, const apr_array_header_t *args)
{
    apr_dbd_prepared_t *stmt = NULL;
    apr_dbd_results_t *dres = NULL, **res = &dres;

    st->error_text = NULL;
    st->error = apr_dbd_prepare(st->driver, p, st->handle, dialect_sql(p, st->dialect, sql),
                                NULL, &stmt);
    if (st->error == 0)
        st->error = apr_dbd_pselect(st->driver, p, st->handle, res, stmt, 0, args->nelts,
                                    (const char **)args->elts);
    *out = rows_of(st, p, dres);
    return st->error ? APR_EGENERAL : APR_SUCCESS;
}

#define HEADLINE_OPTIONS "StartSel=" MARK_ON ", StopSel=" MARK_OFF ", MaxWords=24, MinWords=8, " \
                         "MaxFragments=2, FragmentDelimiter=\" ... \""

/* The snippets of a match, each computed once: of its body, its keywords and its title;
 * the search answers the first that marks a word (store_search picks it: the list shows
 * the title anyway). */
static const char *snippet_sql(const search_dialect_t *d, const fts_t *fts)
{
    if (d->rowid)
        return fts->snippets;
    /* each binds the headline options once: body, keywords, title */
    return "ts_headline('english', s.body, x.q, %s), ts_headline('english', s.keywords, x.q, "
           "%s), ts_headline('english', s.title, x.q, %s)";
}

/* PostgreSQL: the FROM of a search, the query (a tsquery expression) computed once as qq.q,
 * the index rows joined to their tickets as t, or narrow: to their itsm_search_row. */
static const char *pg_from(apr_pool_t *p, const char *match, int narrow)
{
    return apr_pstrcat(p, "FROM (SELECT ", match, " AS q) qq CROSS JOIN itsm_search s JOIN ",
                       narrow ? "itsm_search_row t ON t.rid = s.ticket_id * 2 + s.published"
                              : "itsm_ticket t ON t.id = s.ticket_id", NULL);
}

/* " AND" the index rows of the tickets within f's id span (SQLite: their rowids, id * 2 +
 * published, which FTS5 seeks to instead of walking every match); "" without one. */
static const char *span_sql(apr_pool_t *p, const search_dialect_t *d, const itsm_filter_t *f,
                            int published, apr_array_header_t *args)
{
    if (f->id_from <= 0 || f->id_to <= 0)
        return "";
    arg(args, i64(p, d->rowid ? f->id_from * 2 + published : f->id_from));
    arg(args, i64(p, d->rowid ? f->id_to * 2 + published : f->id_to));
    return d->rowid ? " AND s.rowid >= " INT " AND s.rowid <= " INT
                    : " AND s.ticket_id >= " INT " AND s.ticket_id <= " INT;
}

static int has_prefix(const itsm_search_query_t *q)
{
    int i;

    for (i = 0; i < q->items->nelts; i++)
        if (APR_ARRAY_IDX(q->items, i, const item_t).type == ITEM_PREFIX)
            return 1;
    return 0;
}

/* A result goes without the kind's ITSM_FIELD_DETAIL fields (a search's page leaves them
 * out): not kept in the result cache either, where an article's body was half of an answer's
 * bytes. */
static void leave_out_detail(const itsm_kind_t *k, itsm_ticket_t *t)
{
    const itsm_field_t *f;

    for (f = k ? k->fields : NULL; f && f->name; f++)
        if (f->flags & ITSM_FIELD_DETAIL)
            apr_table_unset(t->fields, f->name);
}

/* q without its words (and prefixes) that FTS5's tokenizer finds no token in: the parser
 * takes the letters of every script as words (word_char), but some of them are punctuation
 * to unicode61 (U+061F, U+0964, U+0E3F...), and a word the index never holds would make an
 * AND of the query find nothing. Only a word with a byte outside ASCII is asked (ASCII words
 * are letters and digits, which the tokenizer keeps); q itself when none goes. */
static const itsm_search_query_t *indexed_words(itsm_store_t *st, const itsm_search_query_t *q,
                                                apr_pool_t *p)
{
    const item_t *it = (const item_t *)q->items->elts;
    itsm_search_query_t *out = NULL;
    int i, j;

    for (i = 0; i < q->items->nelts; i++) {
        const unsigned char *s = (const unsigned char *)it[i].text;
        int keep = it[i].type == ITEM_PHRASE;

        while (!keep && *s && *s < 0x80)
            s++;
        keep = keep || *s == '\0' || search_fts5_tokens(st, it[i].text) != 0;
        if (keep && out)
            APR_ARRAY_PUSH(out->items, item_t) = it[i];
        else if (!keep && out == NULL) {
            out = apr_pmemdup(p, q, sizeof *q);
            out->items = apr_array_make(p, q->items->nelts, sizeof(item_t));
            for (j = 0; j < i; j++)
                APR_ARRAY_PUSH(out->items, item_t) = it[j];
        }
    }
    return out ? out : q;
}

/* The search itself; generation: of the FTS5 index holding kind's entries (the sum of its
 * kinds', search_generation), for SQLite's ranking function's kept counts (store_fts5.c). */
static apr_status_t search_run(itsm_store_t *st, apr_array_header_t **out, int *more,
                               const char *kind, const char *scope, const itsm_filter_t *f,
                               const itsm_search_query_t *q, apr_int64_t generation,
                               apr_pool_t *p)
{
    const search_dialect_t *d = search_dialect(st);
    const itsm_kind_t *k = kind_named(st->kinds, kind);
    const fts_t *fts = fts_of(st, k);
    apr_array_header_t *args = apr_array_make(p, 32, sizeof(const char *));
    apr_hash_t *syn;
    apr_array_header_t *wargs = apr_array_make(p, 16, sizeof(const char *));
    const char *match, *sql, *where, *pub, *boost, *span, *dl, *page, *boost_field;
    rows_t *res;
    row_t *row = NULL;
    int published, c, narrowed;

    *out = apr_array_make(p, f->limit > 0 ? f->limit : 1, sizeof(itsm_search_row_t));
    *more = 0;
    if (d->rowid)
        q = indexed_words(st, q, p);
    if (q->items->nelts == 0)
        return APR_SUCCESS;
    if (synonyms_of(st, q, &syn, p) != APR_SUCCESS)
        return APR_EGENERAL;
    boost_field = k && k->search ? k->search->boost_field : NULL;
    /* The candidates are the newest ITSMSearchRanked matches the caller may see, walked in the
     * index's order (no ranking: an engine walks its matches in row order and stops there);
     * only they are ranked, each once, and only the page's rows are read whole. */
    if (d->rowid) {
        const char *from = fts->from, *narrow = fts->narrow;

        match = match_sql(p, d, q, syn, NULL);
        /* rowid = ticket_id * 2 + published: the join and the copy never read the row's
         * content (its unindexed columns), which would cost as much as the ranking */
        where = search_from_where(st, p, kind, scope, f, from, narrow, &published, wargs);
        pub = published ? "1" : "0";
        /* the narrow row holds the candidate's length (NULL: read from the index) and its
         * boost value: no look-up of either per candidate */
        narrowed = strncmp(where, narrow, strlen(narrow)) == 0;
        dl = narrowed ? ", t.dl" : "";
        boost = boost_field ? narrowed ? d->boost_row : d->boost : NULL;
        /* in the text's order: itsm_rank's values, the boost's field, the walk's */
        arg(args, i64(p, generation));
        arg(args, match);
        if (boost_field && !narrowed)
            arg(args, boost_field);
        apr_array_cat(args, wargs);
        arg(args, match);
        arg(args, pub);
        span = span_sql(p, d, f, published, args);
        arg(args, apr_itoa(p, search_ranked(st)));
        page = apr_pstrcat(p, "SELECT c.rid, c.r FROM (SELECT s.rowid AS rid, ",
                           fts->rank, "(s.", fts->name, ", " INT ", %s", dl, ")",
                           boost ? " * " : "", boost ? boost : "", " AS r ", where,
                           " AND s.", fts->name, " MATCH %s AND (s.rowid & 1) = " INT, span,
                           " ORDER BY s.rowid DESC LIMIT " INT ") c ORDER BY c.r, c.rid LIMIT "
                           INT " OFFSET " INT, NULL);
        /* The page's snippets need the MATCH on each of its rows. Each lookup by rowid runs
         * the MATCH anew, and a prefix's is the merge of every word it names over the whole
         * index (0.5 ms a row at 100,000 articles): with a prefix, the page's rows are
         * found by one walk of the MATCH over their span instead. */
        sql = has_prefix(q)
              ? apr_pstrcat(p, "WITH x AS MATERIALIZED (", page, ") SELECT ",
                            published ? PUBLISHED_COLS : TICKET_COLS, ", x.r, ", snippet_sql(d, fts),
                            " FROM ", fts->name, " s CROSS JOIN x JOIN itsm_ticket t ON t.id = "
                            "x.rid / 2", published ? PUBLISHED_JOIN : "",
                            " WHERE s.", fts->name, " MATCH %s AND s.rowid >= (SELECT MIN(rid) "
                            "FROM x) AND s.rowid <= (SELECT MAX(rid) FROM x) AND x.rid = "
                            "s.rowid ORDER BY x.r, t.id", NULL)
              : apr_pstrcat(p, "SELECT ", published ? PUBLISHED_COLS : TICKET_COLS,
                            ", x.r, ", snippet_sql(d, fts), " FROM (", page, ") x JOIN ",
                            fts->name, " s ON s.rowid = x.rid JOIN itsm_ticket t ON t.id = "
                            "x.rid / 2", published ? PUBLISHED_JOIN : "",
                            " WHERE s.", fts->name, " MATCH %s ORDER BY x.r, t.id", NULL);
        arg(args, apr_itoa(p, f->limit + 1));
        arg(args, apr_itoa(p, f->offset));
        arg(args, match);
    }
    else {
        apr_array_header_t *margs = apr_array_make(p, 8, sizeof(const char *));
        const char *narrow;

        match = match_sql(p, d, q, syn, margs);
        narrow = pg_from(p, match, 1);
        where = search_from_where(st, p, kind, scope, f, pg_from(p, match, 0), narrow,
                                  &published, wargs);
        narrowed = strncmp(where, narrow, strlen(narrow)) == 0;
        boost = boost_field ? narrowed ? d->boost_row : d->boost : NULL;
        /* in the text's order: the boost's field, the query's values, the walk's */
        if (boost_field && !narrowed)
            arg(args, boost_field);
        apr_array_cat(args, margs);
        apr_array_cat(args, wargs);
        pub = published ? "1" : "0";
        arg(args, pub);
        span = span_sql(p, d, f, published, args);
        arg(args, apr_itoa(p, search_ranked(st)));
        /* the boost in the walk, where t is: ranked as ts_rank_cd * boost */
        sql = apr_pstrcat(p, "SELECT ", published ? PUBLISHED_COLS : TICKET_COLS,
                          ", x.r, ", snippet_sql(d, fts), " FROM (SELECT c.tid, ts_rank_cd(c.doc, "
                          "c.q)", boost ? " * c.b" : "", " AS r, c.q AS q FROM (SELECT "
                          "s.ticket_id AS tid, s.doc AS doc, qq.q AS q", boost ? ", " : "",
                          boost ? boost : "", boost ? " AS b " : " ", where,
                          " AND s.doc @@ qq.q AND s.published = CAST(%s AS INTEGER)", span,
                          " ORDER BY s.ticket_id DESC LIMIT " INT ") c ORDER BY 2 DESC, c.tid "
                          "LIMIT " INT
                          " OFFSET " INT ") x JOIN itsm_search s ON s.ticket_id = x.tid AND "
                          "s.published = CAST(%s AS INTEGER) JOIN itsm_ticket t ON t.id = x.tid",
                          published ? PUBLISHED_JOIN : "", " ORDER BY x.r DESC, t.id", NULL);
        /* the headline's options come first in the text, before the inner query's values */
        {
            apr_array_header_t *all = apr_array_make(p, args->nelts + 3, sizeof(const char *));

            int k;

            for (k = 0; k < 3; k++)      /* the headlines of snippet_sql */
                arg(all, HEADLINE_OPTIONS);
            apr_array_cat(all, args);
            args = all;
        }
        arg(args, apr_itoa(p, f->limit + 1));
        arg(args, apr_itoa(p, f->offset));
        arg(args, pub);
    }
    if ((d->shapes_per_query ? select_once(st, p, &res, sql, args)
                             : select_sql(st, p, &res, sql, args)) != APR_SUCCESS)
        return APR_EGENERAL;
    while (next_row(st->driver, p, res, &row)) {
        itsm_search_row_t *r;
        const char *rank = col(st, row, 17);

        if ((*out)->nelts >= f->limit) {
            *more = 1;
            continue;
        }
        r = apr_array_push(*out);
        r->t = ticket_from_row(st, row, p);
        leave_out_detail(k, r->t);
        r->rank = rank ? atof(rank) : 0;
        if (d->rowid)
            r->rank = -r->rank;     /* bm25(): lower is better */
        for (c = 18; c < 21; c++) {     /* body, keywords, title: the first with a mark */
            const char *v = col(st, row, c);

            r->snippet = apr_pstrdup(p, v ? v : "");
            if (strstr(r->snippet, MARK_ON))
                break;
        }
    }
    return rows_done(res);     /* a short answer is no answer (nor cached) */
}

/* ---- the result cache ------------------------------------------------------------------ */

/* A search's answer kept per process (httpd child), so that a repeated query (a knowledge
 * base's queries follow a Zipf law) does not rank again (docs/performance.md, "Knowledge
 * base search").
 *
 * Correct by construction:
 *   - The key is every argument of the search but the store: the kind, the scope, every
 *     field of the filter and the normalised query (itsm_search_normal: its items with their
 *     types; itsm_search_parse gives equal queries equal forms), each length-prefixed so that
 *     no value can make one key look like another. The answer is a function of these and
 *     the database alone: the scope is the caller's whole visibility class (the parties they
 *     read, their audience keys: "all", their parties, their market roles and ITSM roles,
 *     and the versioned kinds they read as published: itsm_core_person_scope), and nothing in
 *     search_from_where, visible_sql or the ranked statement reads the person (no login, no
 *     relation grant: a search never asks "raised by me" or "assigned to me"). So two people
 *     with the same scope get the same answer, and a person whose scope differs never shares
 *     an entry (test_search_cache.py: the visibility matrix through the cache). A search with
 *     an SLA filter depends on the clock (f->now): never cached.
 *   - The generation: every write of a ticket of a searchable kind (create, update, action,
 *     link, publication or withdrawal, SLA mark, the back-fill) moves that kind's row of
 *     itsm_search_gen in the same transaction (search_touch; on SQLite once a transaction,
 *     whatever the number of its writes: pending_t); a search reads the rows first
 *     (one prepared statement) and sums those of its kind and of every kind that defines
 *     synonyms (the glossary). The counters only grow, so the sum moves whenever one of them
 *     does; an entry answers only for the sum it was computed under. The read happens before
 *     the search's own statements, so an answer computed after a write committed is never
 *     filed under an older generation. Every child and every server sharing the database
 *     reads the same rows: nothing to broadcast.
 *   - A hit answers the entry's own rows, read-only, pinned for the caller's pool: an entry
 *     dropped (evicted, stale, replaced) while a caller still renders it leaves the map at
 *     once but keeps its memory until the last caller's pool is cleared (a copy per hit cost
 *     a fifth of a cached search's instructions). Search analytics are the caller's
 *     (views.c): counted on a hit as on a miss.
 * Bounded: ITSMSearchCache entries and kilobytes (the copied rows' text and structures, an
 * estimate below the pools' real use); the least recently used entry goes first; 0 entries
 * turns it off. */

typedef struct cache_entry_t {
    struct cache_entry_t *prev, *next;  /* most recently used first */
    apr_pool_t *pool;                   /* the entry's copy; a subpool of the cache's */
    const char *key;
    apr_int64_t gen;
    apr_array_header_t *rows;           /* itsm_search_row_t */
    int more;
    apr_size_t bytes;
    int pins;                           /* callers rendering its rows now */
    int dropped;                        /* out of the map: freed by the last unpin */
} cache_entry_t;

static struct {
    child_keep_t keep;          /* its lock guards everything below, also keep.pool's use */
    apr_hash_t *map;            /* key -> cache_entry_t */
    cache_entry_t *head, *tail;
    int entries, max_entries;
    apr_size_t bytes, max_bytes;
    apr_uint64_t hits, misses;
} rcache;

static apr_status_t child_keep_close(void *data)
{
    child_keep_t *k = data;

    if (k->pool)
        apr_pool_destroy(k->pool);
    k->pool = NULL;
    k->lock = NULL;
    return APR_SUCCESS;
}

apr_status_t child_keep_open(child_keep_t *k, apr_pool_t *pchild)
{
    apr_status_t rv;

    k->lock = NULL;
    k->pool = NULL;
    if ((rv = apr_thread_mutex_create(&k->lock, APR_THREAD_MUTEX_DEFAULT, pchild)) != APR_SUCCESS
        || (rv = apr_pool_create_unmanaged_ex(&k->pool, NULL, NULL)) != APR_SUCCESS) {
        k->lock = NULL;
        return rv;
    }
    apr_pool_cleanup_register(pchild, k, child_keep_close, apr_pool_cleanup_null);
    return APR_SUCCESS;
}

apr_status_t itsm_store_search_cache_init(apr_pool_t *pchild, int entries, apr_size_t bytes)
{
    apr_status_t rv;

    memset(&rcache, 0, sizeof rcache);
    if (entries <= 0 || bytes == 0)
        return APR_SUCCESS;
    if ((rv = child_keep_open(&rcache.keep, pchild)) != APR_SUCCESS)
        return rv;
    rcache.map = apr_hash_make(rcache.keep.pool);
    rcache.max_entries = entries;
    rcache.max_bytes = bytes;
    return APR_SUCCESS;
}

void itsm_store_search_cache_stats(apr_uint64_t *hits, apr_uint64_t *misses, int *entries,
                                   apr_size_t *bytes)
{
    *hits = *misses = 0;
    *entries = 0;
    *bytes = 0;
    if (rcache.keep.lock == NULL)
        return;
    apr_thread_mutex_lock(rcache.keep.lock);
    *hits = rcache.hits;
    *misses = rcache.misses;
    *entries = rcache.entries;
    *bytes = rcache.bytes;
    apr_thread_mutex_unlock(rcache.keep.lock);
}

int itsm_store_search_hit(const itsm_store_t *st)
{
    return st->search_hit;
}

/* Whether writes of kind k move a generation: searched kinds and synonym sources. */
static int generation_kind(const itsm_kind_t *k)
{
    return k && k->search && (k->search->fields || k->search->synonym_field);
}

apr_status_t search_touch(itsm_store_t *st, const char *kind, apr_pool_t *p)
{
    if (!generation_kind(kind_named(st->kinds, kind)) || pending_touch(st, kind))
        return APR_SUCCESS;
    return exec_sql(st, p, "INSERT INTO itsm_search_gen (kind, gen) VALUES (%s, 1) ON CONFLICT "
                    "(kind) DO UPDATE SET gen = itsm_search_gen.gen + 1", args_of(p, 1, kind));
}

/* A change of a kind's boost values (a vote): its row's boost column (schema 25). Builds
 * before it kept the count in a row of its own, '+' and the kind's name: such rows, which an
 * older build still running on the same database writes, are read as the kind's boost
 * (search_generation), never written. */
#define LEGACY_BOOST_MARK '+'

apr_status_t search_touch_boost(itsm_store_t *st, const char *kind, apr_pool_t *p)
{
    return exec_sql(st, p, "INSERT INTO itsm_search_gen (kind, gen, boost) VALUES (%s, 0, 1) "
                    "ON CONFLICT (kind) DO UPDATE SET boost = itsm_search_gen.boost + 1",
                    args_of(p, 1, kind));
}

/* The generation a search of kind is answered under (see above), and *total: that of the
 * whole FTS5 index holding kind's entries (the sum over the kinds whose entries it holds,
 * and kinds not loaded here, whose index is not known), for the ranking function's counts
 * (store_fts5.c): a problem's write leaves the counts of the articles' index alone. A vote
 * moves the kind's boost: in gen (the answers' order may change), not in total (the index is
 * the same, and its kept counts stay). */
static apr_status_t search_generation(itsm_store_t *st, const char *kind, apr_int64_t *gen,
                                      apr_int64_t *total, apr_pool_t *p)
{
    apr_array_header_t *none = apr_array_make(p, 1, sizeof(const char *));
    int mine = fts_prefixed(st, kind_named(st->kinds, kind));
    rows_t *res;
    row_t *row = NULL;

    *gen = *total = 0;
    if (select_sql(st, p, &res, "SELECT kind, gen, boost FROM itsm_search_gen", none)
        != APR_SUCCESS)
        return APR_EGENERAL;
    while (next_row(st->driver, p, res, &row)) {
        const char *name = col(st, row, 0);
        const itsm_kind_t *k;

        if (name[0] == LEGACY_BOOST_MARK) {     /* a build before schema 25 sharing the
                                                 * database (a rolling upgrade) writes its
                                                 * votes' generation as such a row */
            if (strcmp(name + 1, kind) == 0)
                *gen += col_i64(st, row, 1);
            continue;
        }
        k = kind_named(st->kinds, name);
        if (strcmp(name, kind) == 0)
            *gen += col_i64(st, row, 1) + col_i64(st, row, 2);
        else if (k && k->search && k->search->synonym_field)
            *gen += col_i64(st, row, 1);
        if (k == NULL || fts_prefixed(st, k) == mine)
            *total += col_i64(st, row, 1);
    }
    return rows_done(res);
}

static const char *key_part(apr_pool_t *p, const char *key, const char *v)
{
    return v ? apr_psprintf(p, "%s%" APR_SIZE_T_FMT ":%s", key, strlen(v), v)
             : apr_pstrcat(p, key, "-", NULL);
}

static const char *cache_key(apr_pool_t *p, const itsm_store_t *st, const char *kind,
                             const char *scope, const itsm_filter_t *f,
                             const itsm_search_query_t *q)
{
    const char *key = apr_psprintf(p, "%d|", search_ranked(st));    /* per server */
    int i;

    key = key_part(p, key, kind);
    key = key_part(p, key, scope);
    key = key_part(p, key, q->normal);
    /* a function word in capitals expands where its lower case does not (expandable): the
     * normal form (the analytics' query) is the same, the answer may not be */
    for (i = 0; i < q->items->nelts; i++) {
        const item_t *it = &APR_ARRAY_IDX(q->items, i, const item_t);

        if (it->type == ITEM_WORD && it->capitals && function_word(it->text))
            key = apr_psprintf(p, "%s^%d;", key, i);
    }
    key = key_part(p, key, f->state);
    key = key_part(p, key, f->priority);
    key = key_part(p, key, f->party);
    key = key_part(p, key, f->assignee);
    key = key_part(p, key, f->group);
    key = key_part(p, key, f->sort_field);
    key = key_part(p, key, f->month);
    key = apr_psprintf(p, "%s|%" APR_INT64_T_FMT "|%" APR_INT64_T_FMT, key, f->id_from, f->id_to);
    for (i = 0; i < f->nfields; i++) {
        key = key_part(p, key, f->field[i]);
        key = key_part(p, key, f->value[i]);
    }
    return apr_psprintf(p, "%s|%d|%d|%d|%d|%d|%d|%d|%" APR_INT64_T_FMT "|%" APR_INT64_T_FMT
                        "|%" APR_INT64_T_FMT "|%" APR_INT64_T_FMT "|%" APR_INT64_T_FMT "|%"
                        APR_INT64_T_FMT "|%" APR_INT64_T_FMT, key, q->any, f->nfields, f->open,
                        (int)f->sort, f->descending, f->limit, f->offset,
                        (apr_int64_t)f->opened_from, (apr_int64_t)f->opened_to,
                        (apr_int64_t)f->updated_from, (apr_int64_t)f->updated_to, f->after,
                        (apr_int64_t)f->after_opened, (apr_int64_t)f->after_updated);
}

typedef struct copy_t {
    apr_pool_t *p;
    apr_table_t *to;
    apr_size_t bytes;
} copy_t;

static const char *copy_str(copy_t *c, const char *s)
{
    apr_size_t n;

    if (s == NULL)
        return NULL;
    n = strlen(s) + 1;
    c->bytes += n;
    return apr_pmemdup(c->p, s, n);
}

static int copy_field(void *ctx, const char *key, const char *value)
{
    copy_t *c = ctx;

    apr_table_addn(c->to, copy_str(c, key), copy_str(c, value));
    c->bytes += 2 * sizeof(void *) + sizeof(apr_uint32_t);     /* apr_table_entry_t */
    return 1;
}

/* A copy of rows in p; *bytes: what it holds. */
static apr_array_header_t *rows_copy(apr_pool_t *p, const apr_array_header_t *rows,
                                     apr_size_t *bytes)
{
    apr_array_header_t *out = apr_array_make(p, rows->nelts ? rows->nelts : 1,
                                             sizeof(itsm_search_row_t));
    copy_t c = { p, NULL, sizeof *out + sizeof(itsm_search_row_t) * (apr_size_t)rows->nelts };
    int i;

    for (i = 0; i < rows->nelts; i++) {
        const itsm_search_row_t *from = &APR_ARRAY_IDX(rows, i, itsm_search_row_t);
        itsm_search_row_t *r = apr_array_push(out);
        itsm_ticket_t *t = apr_pmemdup(p, from->t, sizeof *t);

        c.bytes += sizeof *t;
        t->number = copy_str(&c, t->number);
        t->kind = copy_str(&c, t->kind);
        t->party = copy_str(&c, t->party);
        t->state = copy_str(&c, t->state);
        t->title = copy_str(&c, t->title);
        t->priority = copy_str(&c, t->priority);
        t->assignee = copy_str(&c, t->assignee);
        t->group = copy_str(&c, t->group);
        t->created_by = copy_str(&c, t->created_by);
        t->tags = copy_str(&c, t->tags);
        t->sla_notified = copy_str(&c, t->sla_notified);
        if (from->t->fields) {
            c.to = t->fields = apr_table_make(p, apr_table_elts(from->t->fields)->nelts);
            apr_table_do(copy_field, &c, from->t->fields, NULL);
        }
        r->t = t;
        r->rank = from->rank;
        r->snippet = copy_str(&c, from->snippet);
    }
    *bytes = c.bytes;
    return out;
}

static void rcache_unlink(cache_entry_t *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        rcache.head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        rcache.tail = e->prev;
    e->prev = e->next = NULL;
}

static void rcache_push(cache_entry_t *e)
{
    e->next = rcache.head;
    e->prev = NULL;
    if (rcache.head)
        rcache.head->prev = e;
    rcache.head = e;
    if (rcache.tail == NULL)
        rcache.tail = e;
}

static void rcache_drop(cache_entry_t *e)
{
    rcache_unlink(e);
    apr_hash_set(rcache.map, e->key, APR_HASH_KEY_STRING, NULL);
    rcache.entries--;
    rcache.bytes -= e->bytes;
    if (e->pins > 0)
        e->dropped = 1;
    else
        apr_pool_destroy(e->pool);
}

/* The caller's pool is cleared: its pin of an entry goes. */
static apr_status_t rcache_unpin(void *data)
{
    cache_entry_t *e = data;

    if (rcache.keep.lock == NULL)   /* the child's cache is gone, with every entry */
        return APR_SUCCESS;
    apr_thread_mutex_lock(rcache.keep.lock);
    if (--e->pins == 0 && e->dropped)
        apr_pool_destroy(e->pool);
    apr_thread_mutex_unlock(rcache.keep.lock);
    return APR_SUCCESS;
}

/* A hit: *out the rows of the entry of key under gen, pinned until p is cleared (its own
 * array header: a push copies the rows first). Under the lock. */
static int rcache_get(const char *key, apr_int64_t gen, apr_array_header_t **out, int *more,
                      apr_pool_t *p)
{
    cache_entry_t *e = apr_hash_get(rcache.map, key, APR_HASH_KEY_STRING);

    if (e && e->gen != gen) {   /* stale: the index moved since */
        rcache_drop(e);
        e = NULL;
    }
    if (e == NULL)
        return 0;
    rcache_unlink(e);
    rcache_push(e);
    e->pins++;
    apr_pool_cleanup_register(p, e, rcache_unpin, apr_pool_cleanup_null);
    *out = apr_array_copy_hdr(p, e->rows);
    *more = e->more;
    return 1;
}

/* File rows under key and gen, the least recently used entries dropped to make room.
 * Under the lock. */
static void rcache_put(const char *key, apr_int64_t gen, const apr_array_header_t *rows,
                       int more)
{
    cache_entry_t *e = apr_hash_get(rcache.map, key, APR_HASH_KEY_STRING);
    apr_pool_t *ep;

    if (e)              /* another thread searched the same meanwhile */
        rcache_drop(e);
    if (apr_pool_create(&ep, rcache.keep.pool) != APR_SUCCESS)
        return;
    e = apr_pcalloc(ep, sizeof *e);
    e->pool = ep;
    e->key = apr_pstrdup(ep, key);
    e->gen = gen;
    e->more = more;
    e->rows = rows_copy(ep, rows, &e->bytes);
    e->bytes += sizeof *e + strlen(key) + 1;
    if (e->bytes > rcache.max_bytes) {
        apr_pool_destroy(ep);
        return;
    }
    while (rcache.tail && (rcache.entries >= rcache.max_entries
                           || rcache.bytes + e->bytes > rcache.max_bytes))
        rcache_drop(rcache.tail);
    apr_hash_set(rcache.map, e->key, APR_HASH_KEY_STRING, e);
    rcache_push(e);
    rcache.entries++;
    rcache.bytes += e->bytes;
}

apr_status_t itsm_store_search(itsm_store_t *st, apr_array_header_t **out, int *more,
                               const char *kind, const char *scope, const itsm_filter_t *f,
                               const itsm_search_query_t *q, apr_pool_t *p)
{
    const char *key;
    apr_int64_t gen, total;
    apr_status_t rv;
    int hit;

    st->search_hit = 0;
    if (q->items->nelts == 0)
        return search_run(st, out, more, kind, scope, f, q, 0, p);
    if (search_generation(st, kind, &gen, &total, p) != APR_SUCCESS)
        return APR_EGENERAL;
    if (rcache.keep.lock == NULL || f->sla)
        return search_run(st, out, more, kind, scope, f, q, total, p);
    key = cache_key(p, st, kind, scope, f, q);
    apr_thread_mutex_lock(rcache.keep.lock);
    hit = rcache_get(key, gen, out, more, p);
    if (hit)
        rcache.hits++;
    else
        rcache.misses++;
    apr_thread_mutex_unlock(rcache.keep.lock);
    if (hit) {
        st->search_hit = 1;
        return APR_SUCCESS;
    }
    rv = search_run(st, out, more, kind, scope, f, q, total, p);
    if (rv == APR_SUCCESS) {
        apr_thread_mutex_lock(rcache.keep.lock);
        rcache_put(key, gen, *out, *more);
        apr_thread_mutex_unlock(rcache.keep.lock);
    }
    return rv;
}

/* ---- analytics ------------------------------------------------------------------------- */

/* The searches' counts, gathered in shared memory and written in batches. A search that
 * wrote its count (a row of itsm_search_gap or itsm_search_recent) at once paid a write
 * transaction, and on SQLite every write makes each other connection drop its page cache at
 * its next read (WAL): the next first search reads its pages from the OS again. So a search
 * appends a record to a log in a segment every child of the server shares (one per database,
 * made by the parent: core.c), and whoever finds the log due takes it whole, adds its
 * records up (a miss per kind, party and query, with its count, first and last time; the
 * last search per login and kind) and writes them in one transaction:
 *   - a search, when the oldest record is older than the delay (ITSMSearchCountDelay) or
 *     the log is full (its capacity: a search that finds it full writes its own count);
 *   - the per-child timer (sweep.c), so that counts do not wait for the next search;
 *   - a read of the gaps, first: what it answers holds every search counted before it;
 *   - a create of a deflection target whose creator has a search in the log, first: its
 *     transaction then sees that search (search_deflected);
 *   - a child's exit.
 * One writer at a time (flushing, under the lock): a batch never overtakes an older one, so
 * a remembered search is never replaced by an older one; a flush that finds another running
 * waits for it when asked to (force: the reads above), else leaves it to that one. A failed
 * batch is put back once (its records marked) and dropped at its second failure, or when
 * the log has no room for it: the counts are analytics, never a reason to fail a search. */

#define COUNT_TEXT 488          /* kind, party, login and query, each NUL-terminated: a
                                 * record of 512 bytes; a longer search writes its own count */
#define FLUSH_WAIT_MS 5000      /* a forced flush waits this long for a running one */

typedef struct count_rec_t {
    apr_time_t first, last;     /* a miss's first and last search; a remembered search's time */
    apr_int64_t misses;         /* 0: a search that found tickets */
    int tries;                  /* failed batches it was in */
    char text[COUNT_TEXT];
} count_rec_t;

typedef struct count_log_t {
    apr_uint32_t n, capacity;
    int flushing;               /* a batch is being written */
    apr_time_t flush_started;
    apr_time_t oldest;          /* rec[0]'s time when n > 0 */
    count_rec_t rec[1];         /* [capacity] */
} count_log_t;

struct itsm_search_counts_t {
    count_log_t *log;           /* in the shared segment */
    apr_global_mutex_t *lock;   /* guards *log */
    apr_interval_time_t delay;
};

apr_size_t itsm_store_search_counts_size(int capacity)
{
    return APR_OFFSETOF(count_log_t, rec) + (apr_size_t)capacity * sizeof(count_rec_t);
}

void itsm_store_search_counts_format(void *segment, int capacity)
{
    count_log_t *log = segment;

    memset(log, 0, APR_OFFSETOF(count_log_t, rec));
    log->capacity = (apr_uint32_t)capacity;
}

itsm_search_counts_t *itsm_store_search_counts_attach(void *segment, apr_global_mutex_t *lock,
                                                      apr_interval_time_t delay, apr_pool_t *p)
{
    itsm_search_counts_t *c = apr_pcalloc(p, sizeof *c);

    c->log = segment;
    c->lock = lock;
    c->delay = delay;
    return c;
}

void itsm_store_use_search(itsm_store_t *st, apr_int64_t window, int ranked,
                           itsm_search_counts_t *counts)
{
    st->search_window = window;
    st->search_ranked = ranked;
    st->counts = counts && counts->delay > 0 ? counts : NULL;
}

typedef struct {
    const char *kind, *party, *login, *query;
    apr_int64_t misses;         /* 0: found something */
    apr_time_t first, last;
    int tries;
} count_t;

/* Fill r with c; 0 when its text does not fit. */
static int rec_put(count_rec_t *r, const count_t *c)
{
    const char *parts[] = { c->kind, c->party, c->login, c->query };
    apr_size_t at = 0, n;
    int i;

    for (i = 0; i < 4; i++) {
        n = strlen(parts[i]) + 1;
        if (at + n > COUNT_TEXT)
            return 0;
        memcpy(r->text + at, parts[i], n);
        at += n;
    }
    r->first = c->first;
    r->last = c->last;
    r->misses = c->misses;
    r->tries = c->tries;
    return 1;
}

/* The i-th string of r's text: 0 kind, 1 party, 2 login, 3 query. */
static const char *rec_field(const count_rec_t *r, int i)
{
    const char *s = r->text;

    while (i-- > 0)
        s += strlen(s) + 1;
    return s;
}

static void rec_get(apr_pool_t *p, const count_rec_t *r, count_t *c)
{
    c->kind = apr_pstrdup(p, rec_field(r, 0));
    c->party = apr_pstrdup(p, rec_field(r, 1));
    c->login = apr_pstrdup(p, rec_field(r, 2));
    c->query = apr_pstrdup(p, rec_field(r, 3));
    c->first = r->first;
    c->last = r->last;
    c->misses = r->misses;
    c->tries = r->tries;
}

static apr_status_t counts_lock(itsm_search_counts_t *c)
{
    return apr_global_mutex_lock(c->lock);
}

/* Append c to the log (locked); 0 when it is full. */
static int log_append(count_log_t *log, const count_t *c)
{
    if (log->n >= log->capacity || !rec_put(&log->rec[log->n], c))
        return 0;
    if (log->n++ == 0)
        log->oldest = c->last;
    return 1;
}

static int log_due(const itsm_search_counts_t *c, apr_time_t now)
{
    return c->log->n > 0 && (c->log->n >= c->log->capacity || now - c->log->oldest >= c->delay);
}

int itsm_store_search_counts_due(itsm_search_counts_t *c, apr_time_t now)
{
    int due;

    if (c == NULL || c->delay <= 0 || counts_lock(c) != APR_SUCCESS)
        return 0;
    due = log_due(c, now);
    apr_global_mutex_unlock(c->lock);
    return due;
}

/* One write of a count as it was before the log (ITSMSearchCountDelay 0), and a search
 * whose count does not fit in a record. */
static apr_status_t count_in_tx(itsm_store_t *st, void *ctx, apr_pool_t *p)
{
    count_t *c = ctx;
    const char *now = secs(p, c->last);

    if (!c->misses)
        return exec_sql(st, p, "INSERT INTO itsm_search_recent (login, kind, party, query, at) "
                        "VALUES (%s, %s, %s, %s, " INT ") ON CONFLICT (login, kind) DO UPDATE SET "
                        "party = excluded.party, query = excluded.query, at = excluded.at",
                        args_of(p, 5, c->login, c->kind, c->party, c->query, now));
    /* first_seen and last_seen as the earliest and latest: a batch's misses may come after a
     * deflection counted in the same row by a later create */
    return exec_sql(st, p, "INSERT INTO itsm_search_gap (kind, party, query, misses, deflections, "
                    "first_seen, last_seen) VALUES (%s, %s, %s, " INT ", 0, " INT ", " INT ") ON "
                    "CONFLICT (kind, party, query) DO UPDATE SET misses = itsm_search_gap.misses "
                    "+ excluded.misses, first_seen = CASE WHEN excluded.first_seen < "
                    "itsm_search_gap.first_seen THEN excluded.first_seen ELSE "
                    "itsm_search_gap.first_seen END, last_seen = CASE WHEN excluded.last_seen > "
                    "itsm_search_gap.last_seen THEN excluded.last_seen ELSE "
                    "itsm_search_gap.last_seen END",
                    args_of(p, 6, c->kind, c->party, c->query, i64(p, c->misses),
                            secs(p, c->first), now));
}

/* A batch: the log's records added up, one count_t per row to write. */
static apr_status_t batch_in_tx(itsm_store_t *st, void *ctx, apr_pool_t *p)
{
    const apr_array_header_t *rows = ctx;
    apr_status_t rv = APR_SUCCESS;
    int i;

    for (i = 0; i < rows->nelts && rv == APR_SUCCESS; i++)
        rv = count_in_tx(st, &APR_ARRAY_IDX(rows, i, count_t), p);
    return rv;
}

/* The records taken from the log, added up: a miss per kind, party and query; the latest
 * search per login and kind. */
static apr_array_header_t *batch_of(apr_pool_t *p, const count_t *recs, int n)
{
    apr_hash_t *seen = apr_hash_make(p);
    apr_array_header_t *rows = apr_array_make(p, n > 0 ? n : 1, sizeof(count_t));
    int i;

    for (i = 0; i < n; i++) {
        const count_t *c = &recs[i];
        const char *key = c->misses ? apr_pstrcat(p, "m\001", c->kind, "\001", c->party, "\001",
                                                  c->query, NULL)
                                    : apr_pstrcat(p, "r\001", c->login, "\001", c->kind, NULL);
        count_t *row = apr_hash_get(seen, key, APR_HASH_KEY_STRING);

        if (row == NULL) {
            row = apr_array_push(rows);
            *row = *c;
            apr_hash_set(seen, key, APR_HASH_KEY_STRING, row);
        }
        else if (c->misses) {
            row->misses += c->misses;
            row->first = c->first < row->first ? c->first : row->first;
            row->last = c->last > row->last ? c->last : row->last;
            row->tries = c->tries > row->tries ? c->tries : row->tries;
        }
        else if (c->last >= row->last) {
            *row = *c;
        }
    }
    return rows;
}

/* Take the whole log for writing (locked): 0 when another flush runs (and force does not
 * wait for it) or there is nothing to take, and unless force, nothing due. */
static int log_take(itsm_search_counts_t *c, int force, const char *login, count_t **out,
                    int *n, apr_pool_t *p)
{
    count_log_t *log = c->log;
    apr_time_t now = apr_time_now(), waited = 0;
    apr_uint32_t i;

    for (;;) {
        if (counts_lock(c) != APR_SUCCESS)
            return 0;
        /* a flusher that died (its child killed) does not hold the log for ever */
        if (!log->flushing || now - log->flush_started > apr_time_from_sec(60))
            break;
        apr_global_mutex_unlock(c->lock);
        if (!force || waited >= apr_time_from_msec(FLUSH_WAIT_MS))
            return 0;
        apr_sleep(apr_time_from_msec(1));
        waited += apr_time_from_msec(1);
        now = apr_time_now();
    }
    if (login) {            /* only if login has a search in the log */
        for (i = 0; i < log->n; i++) {
            const count_rec_t *r = &log->rec[i];

            if (!r->misses && strcmp(rec_field(r, 2), login) == 0)
                break;
        }
        if (i == log->n) {
            apr_global_mutex_unlock(c->lock);
            return 0;
        }
    }
    if (log->n == 0 || (!force && !log_due(c, now))) {
        apr_global_mutex_unlock(c->lock);
        return 0;
    }
    *n = (int)log->n;
    *out = apr_palloc(p, sizeof(count_t) * log->n);
    for (i = 0; i < log->n; i++)
        rec_get(p, &log->rec[i], &(*out)[i]);
    log->n = 0;
    log->flushing = 1;
    log->flush_started = now;
    apr_global_mutex_unlock(c->lock);
    return 1;
}

/* After the batch rows was written (rv): the log free for the next flush, and a failed
 * batch put back once. */
static void log_done(itsm_search_counts_t *c, apr_status_t rv, apr_array_header_t *rows,
                     itsm_search_flush_t *out)
{
    int i;

    if (counts_lock(c) != APR_SUCCESS)
        return;
    c->log->flushing = 0;
    for (i = 0; rv != APR_SUCCESS && i < rows->nelts; i++) {
        count_t *row = &APR_ARRAY_IDX(rows, i, count_t);

        row->tries++;
        if (row->tries < 2 && log_append(c->log, row))
            out->kept++;
        else
            out->dropped++;
    }
    apr_global_mutex_unlock(c->lock);
}

/* Write what the log holds (force), or only if it is due; with login, only if login has a
 * search in the log (a create of a deflection target). */
static apr_status_t counts_flush(itsm_store_t *st, int force, const char *login,
                                 itsm_search_flush_t *out, apr_pool_t *p)
{
    itsm_search_counts_t *c = st->counts;
    apr_array_header_t *rows;
    count_t *recs = NULL;
    apr_pool_t *sub;
    apr_status_t rv;
    int n = 0;

    memset(out, 0, sizeof *out);
    if (c == NULL)
        return APR_SUCCESS;
    if (apr_pool_create(&sub, p) != APR_SUCCESS)
        return APR_ENOMEM;
    if (!log_take(c, force, login, &recs, &n, sub)) {
        apr_pool_destroy(sub);
        return APR_SUCCESS;
    }
    rows = batch_of(sub, recs, n);
    out->searches = n;
    out->rows = rows->nelts;
    rv = write_tx(st, batch_in_tx, rows, sub);
    log_done(c, rv, rows, out);
    apr_pool_destroy(sub);
    return rv;
}

apr_status_t itsm_store_search_counts_flush(itsm_store_t *st, int force,
                                            itsm_search_flush_t *out, apr_pool_t *p)
{
    return counts_flush(st, force, NULL, out, p);
}

apr_status_t itsm_store_search_counts_before_create(itsm_store_t *st, const itsm_ticket_t *t,
                                                    itsm_search_flush_t *out, apr_pool_t *p)
{
    const itsm_kind_t *k = kind_named(st->kinds, t->kind);

    memset(out, 0, sizeof *out);
    if (k == NULL || k->search == NULL || !k->search->deflection_target
        || st->search_window <= 0 || t->created_by == NULL)
        return APR_SUCCESS;
    return counts_flush(st, 1, t->created_by, out, p);
}

apr_status_t itsm_store_search_count(itsm_store_t *st, const char *kind, const char *party,
                                     const char *login, const char *query, int found,
                                     apr_time_t now, itsm_search_flush_t *flushed, apr_pool_t *p)
{
    count_t c = { kind, party ? party : "", login, query, found ? 0 : 1, now, now, 0 };
    itsm_search_counts_t *counts = st->counts;
    int kept = 0, due = 0;

    memset(flushed, 0, sizeof *flushed);
    if (counts && counts_lock(counts) == APR_SUCCESS) {
        kept = log_append(counts->log, &c);
        due = log_due(counts, now);
        apr_global_mutex_unlock(counts->lock);
    }
    if (!kept)      /* no log, or full, or a count too long for a record: written at once */
        return write_tx(st, count_in_tx, &c, p);
    return due ? counts_flush(st, 0, NULL, flushed, p) : APR_SUCCESS;
}

apr_status_t search_deflected(itsm_store_t *st, const itsm_ticket_t *t, apr_pool_t *p)
{
    const itsm_kind_t *k = kind_named(st->kinds, t->kind);
    const char *now = secs(p, t->updated);
    apr_status_t rv;

    if (k == NULL || k->search == NULL || !k->search->deflection_target
        || st->search_window <= 0 || t->created_by == NULL)
        return APR_SUCCESS;
    /* a last search longer than a gap may be counts nothing (views.c counts no such miss) */
    rv = exec_sql(st, p, apr_pstrcat(p, "INSERT INTO itsm_search_gap (kind, party, query, "
                                     "misses, deflections, first_seen, last_seen) SELECT kind, "
                                     "party, query, 0, 1, " INT ", " INT " FROM "
                                     "itsm_search_recent WHERE login = %s AND at >= " INT
                                     " AND ", apr_psprintf(p, search_dialect(st)->gap_sized,
                                                           "query"),
                                     " ON CONFLICT (kind, party, query) DO UPDATE SET "
                                     "deflections = itsm_search_gap.deflections + 1, "
                                     "last_seen = excluded.last_seen", NULL),
                     args_of(p, 4, now, now, t->created_by,
                             i64(p, apr_time_sec(t->updated) - st->search_window)));
    if (rv == APR_SUCCESS)
        rv = exec_sql(st, p, "DELETE FROM itsm_search_recent WHERE login = %s",
                         args_of(p, 1, t->created_by));
    return rv;
}

/* The gaps, each with the ticket drafted from it (the kind's itsm_search_t.gap_field) in a
 * subquery of the same statement: the field index's rows of that field holding the query,
 * open (the retired article of a gap does not count), of a ticket in the caller's parties;
 * none for a caller who reads the kind as published (a draft is not theirs to read). */
apr_status_t itsm_store_search_gaps(itsm_store_t *st, apr_array_header_t **out, const char *kind,
                                    const char *scope, int limit, int offset, apr_pool_t *p)
{
    apr_array_header_t *args = apr_array_make(p, 8, sizeof(const char *));
    const itsm_kind_t *k = kind ? kind_named(st->kinds, kind) : NULL;
    const char *gap_field = k && k->search ? k->search->gap_field : NULL;
    const char *sql = "SELECT g.kind, g.query, g.party, g.misses, g.deflections, g.first_seen, "
                      "g.last_seen, ";
    rows_t *res;
    row_t *row = NULL;

    *out = apr_array_make(p, limit > 0 ? limit : 1, sizeof(itsm_search_gap_t));
    if (gap_field && !scope_reads_published(p, scope, kind)) {
        arg(args, gap_field);
        sql = apr_pstrcat(p, sql, "(SELECT MIN(t.number) FROM itsm_field_index f JOIN "
                          "itsm_ticket t ON t.id = f.ticket_id WHERE f.kind = g.kind AND "
                          "f.name = %s AND f.value = g.query AND f.is_open = 1",
                          scope_parties_sql(p, scope, "t.party", args), ")", NULL);
    }
    else {
        sql = apr_pstrcat(p, sql, "NULL", NULL);
    }
    /* not a row longer than a gap may be (counted before 2026-12-07): never drafted */
    sql = apr_pstrcat(p, sql, " FROM itsm_search_gap g WHERE ",
                      apr_psprintf(p, search_dialect(st)->gap_sized, "g.query"), NULL);
    if (kind) {
        sql = apr_pstrcat(p, sql, " AND g.kind = %s", NULL);
        arg(args, kind);
    }
    sql = apr_pstrcat(p, sql, scope_parties_sql(p, scope, "g.party", args),
                      " ORDER BY g.misses + g.deflections DESC, g.last_seen DESC, g.query "
                      "LIMIT " INT " OFFSET " INT, NULL);
    arg(args, apr_itoa(p, limit));
    arg(args, apr_itoa(p, offset));
    if (select_sql(st, p, &res, sql, args) != APR_SUCCESS)
        return APR_EGENERAL;
    while (next_row(st->driver, p, res, &row)) {
        itsm_search_gap_t *g = apr_array_push(*out);
        const char *drafted = col(st, row, 7);

        g->kind = apr_pstrdup(p, col(st, row, 0));
        g->query = apr_pstrdup(p, col(st, row, 1));
        g->party = apr_pstrdup(p, col(st, row, 2));
        g->misses = col_i64(st, row, 3);
        g->deflections = col_i64(st, row, 4);
        g->first_seen = apr_time_from_sec(col_i64(st, row, 5));
        g->last_seen = apr_time_from_sec(col_i64(st, row, 6));
        g->drafted = drafted && *drafted ? apr_pstrdup(p, drafted) : NULL;
    }
    return rows_done(res);
}
