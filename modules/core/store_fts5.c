/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* SQLite's ranking function itsm_rank(): FTS5's bm25() (the same formula, column weights 10,
 * 4, 1 for title, keywords, body) with the number of index rows holding each phrase kept per
 * process instead of counted again by every query. Registered on each SQLite connection
 * through the fts5_api (store.c, connection set-up); PostgreSQL ranks with ts_rank_cd.
 *
 * Why: bm25() counts, once per query, the rows holding each phrase by walking the phrase's
 * whole doclist (xQueryPhrase): 5 ms of CPU for a word in 180,000 of 220,000 rows, 20 ms for
 * two such words, whatever the query's other words (docs/performance.md, "Knowledge base
 * search"). Queries share their words (a knowledge base's words and queries follow Zipf
 * laws), so the counts are kept per process, keyed by the phrase as the MATCH string has it.
 *
 * Exact below ESTIMATE_AT rows (a phrase in more is estimated from its first ESTIMATE_AT,
 * phrase_count_t below): the counts are kept for one generation of the search index (the
 * sum of the itsm_search_gen of the kinds whose entries the index holds, which every
 * transaction writing a searched ticket moves, store_search.c, search_generation) and
 * dropped when a query comes with another; so
 * itsm_rank() answers what bm25() answers, to the last bit below that, and the ranking
 * tests hold. One
 * window is left: a write that commits between a search's read of the generation and its
 * statement; that statement counts over the newer index under the older generation, and a
 * search of the older generation still running may use those counts (ranks off by the one
 * write's rows, until the next search reads the new generation). A phrase list that does
 * not match the engine's (never seen: then the counts are taken as bm25() takes them) is not
 * kept. Bounded: DF_MAX phrases, then the counts start again.
 *
 * Each FTS5 index (schema 24: itsm_search and itsm_search_prefix, store_search.c) has its
 * own function, itsm_rank and itsm_rank_prefix, and its own counts: a phrase's rows differ
 * between them. The prefix index also keeps its rows per word in a table (schema 28,
 * itsm_search_prefix_df, written with the index: itsm_terms below): itsm_rank_prefix looks a
 * one-word phrase up there (word_rows) instead of counting it, in the search's own snapshot,
 * so even the first search of a generation pays no count for its words. */
#include <math.h>
#include <string.h>
#include <sqlite3.h>

#include <apr_dbd.h>
#include <apr_hash.h>
#include <apr_strings.h>

#include "store_int.h"

#define DF_MAX 65536
#define NCOLS 3                 /* weighted columns: title, keywords, body; then 0 */
static const double weights[NCOLS] = { 10.0, 4.0, 1.0 };

/* The per-process counts of one index (guarded: connections of several threads rank at
 * once). */
typedef struct df_t {
    child_keep_t keep;          /* keep.pool cleared with each new generation */
    apr_hash_t *counts;         /* phrase -> sqlite3_int64 */
    sqlite3_int64 gen;
    int n;
    const char *terms;          /* the table of the index's rows per word (schema 28), or NULL */
    const char *index;          /* the FTS5 table */
} df_t;

/* by index: the function's name, the table of its rows per word, and its counts */
static const char *const rank_names[] = { "itsm_rank", "itsm_rank_prefix" };
static const char *const df_tables[] = { NULL, "itsm_search_prefix_df" };
static const char *const indexes[] = { "itsm_search", "itsm_search_prefix" };
static df_t dfs[sizeof rank_names / sizeof rank_names[0]];

apr_status_t search_rank_child_init(apr_pool_t *pchild)
{
    apr_status_t rv;
    size_t i;

    memset(dfs, 0, sizeof dfs);
    for (i = 0; i < sizeof dfs / sizeof dfs[0]; i++) {
        if ((rv = child_keep_open(&dfs[i].keep, pchild)) != APR_SUCCESS)
            return rv;
        dfs[i].counts = apr_hash_make(dfs[i].keep.pool);
        dfs[i].gen = -1;
        dfs[i].terms = df_tables[i];
        dfs[i].index = indexes[i];
    }
    return APR_SUCCESS;
}

/* What one query's rows share (xSetAuxdata): as fts5_aux.c's Fts5Bm25Data. */
typedef struct rank_data_t {
    int nphrase;
    double avgdl;
    double *idf;
    double *freq;
} rank_data_t;

/* A count of a phrase's rows that stops at enough: at half the index's rows the phrase's idf
 * is clamped (rank_data: log((N - n + 0.5) / (n + 0.5)) <= 0 from n >= N / 2 on), so a
 * count of any n from there gives the same rank, to the last bit. A common word's first
 * count walks half its doclist less.
 *
 * And one that stops at the ESTIMATE_AT-th row: a phrase FTS5 must find by the positions of
 * its words ("an the") was counted over every row holding them all, 30-75 ms at 100,000
 * articles for a search whose own walk took 2-5 ms (docs/performance.md, "A phrase's count
 * estimated"). Beyond ESTIMATE_AT rows the count is estimated from how far the walk (in
 * rowid order, from the oldest row) came: ESTIMATE_AT rows among the index's first k rows
 * make ESTIMATE_AT * N / k (estimate_rows; k counted in the index's docsize table, one row
 * per index row, so that the ids other kinds' tickets took between them do not count).
 * Exact below ESTIMATE_AT rows, as bm25(); above, off by as much as the phrase's rows are
 * unevenly spread over the index's rows in their order of creation (a phrase common only
 * among the newest rows is counted low), which reorders nothing in a query of one phrase
 * (every row's score takes the same idf) and little in others. It serves every count the
 * index does not keep: phrases, prefixes, and the words of the index without a table of its
 * rows per word (itsm_search). */
#define ESTIMATE_AT 1000

typedef struct phrase_count_t {
    sqlite3_int64 n, enough;    /* enough: where the idf is clamped (0: an empty index) */
    sqlite3_int64 last;         /* the rowid of the ESTIMATE_AT-th row, once reached */
    int exact;                  /* count on past ESTIMATE_AT (no estimate possible) */
} phrase_count_t;

static int count_cb(const Fts5ExtensionApi *api, Fts5Context *fts, void *ctx)
{
    phrase_count_t *c = ctx;

    if (++c->n == ESTIMATE_AT && c->n != c->enough && !c->exact) {
        c->last = api->xRowid(fts);
        return SQLITE_DONE;
    }
    return c->n == c->enough ? SQLITE_DONE : SQLITE_OK;
}

/* The rows of a count stopped at ESTIMATE_AT (c->last set), estimated from the number of the
 * index's rows up to that rowid, at most rows; SQLITE_OK and c->n as counted when the count
 * did not stop there; SQLITE_NOTFOUND when no estimate can be made (the caller counts on). */
static int estimate_rows(sqlite3 *db, const char *index, phrase_count_t *c, sqlite3_int64 rows)
{
    sqlite3_stmt *stmt = NULL;
    char *sql;
    int rc;

    if (c->last == 0)
        return SQLITE_OK;
    if (db == NULL || index == NULL)
        return SQLITE_NOTFOUND;
    sql = sqlite3_mprintf("SELECT count(*) FROM \"%w_docsize\" WHERE id <= ?1", index);
    rc = sql == NULL ? SQLITE_NOMEM
        : sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK ? SQLITE_OK
        : SQLITE_NOTFOUND;
    sqlite3_free(sql);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 1, c->last);
    if (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        sqlite3_int64 k = sqlite3_column_int64(stmt, 0);

        rc = SQLITE_NOTFOUND;
        if (k >= c->n && k > 0) {
            double n = (double)c->n * (double)rows / (double)k;

            c->n = n >= (double)rows ? rows : (sqlite3_int64)n;
            rc = SQLITE_OK;
        }
    }
    else if (rc == SQLITE_DONE)
        rc = SQLITE_NOTFOUND;
    sqlite3_finalize(stmt);
    return rc;
}

/* The phrases of the MATCH string the store composed (store_search.c, item_sql): each a
 * quoted string of words without quotes, a prefix followed by " *"; the rest are operators
 * and parentheses. At most max; *n of them. */
static int phrases_of(const char *match, const char **out, int max, apr_size_t *len)
{
    const char *s = match, *close;
    int n = 0;

    while (s && (s = strchr(s, '"')) != NULL && (close = strchr(s + 1, '"')) != NULL) {
        const char *end = close + 1;

        if (strncmp(end, " *", 2) == 0)
            end += 2;
        if (n < max) {
            out[n] = s;
            len[n] = (apr_size_t)(end - s);
        }
        n++;
        s = end;
    }
    return n;
}

/* The tokens of a text as the index's tokenizer gives them (the porter stems), in order:
 * a query word's for word_rows, a row's for itsm_terms(). */
#define FTS5_MAX_TOKEN 32768   /* the bytes of a token FTS5 keeps (FTS5_MAX_TOKEN_SIZE) */

typedef struct term_t {
    char *s;
    int n;
} term_t;

typedef struct terms_t {
    term_t *term;
    int n, size;
} terms_t;

static int terms_token(void *ctx, int flags, const char *token, int n, int start, int end)
{
    terms_t *t = ctx;

    (void)flags, (void)start, (void)end;
    if (n > FTS5_MAX_TOKEN)
        n = FTS5_MAX_TOKEN;     /* as FTS5 keeps it (fts5_storage.c) */
    if (t->n == t->size) {
        int size = t->size ? 2 * t->size : 256;
        term_t *term = sqlite3_realloc64(t->term, sizeof *term * (sqlite3_uint64)size);

        if (term == NULL)
            return SQLITE_NOMEM;
        t->term = term;
        t->size = size;
    }
    if ((t->term[t->n].s = sqlite3_malloc(n > 0 ? n : 1)) == NULL)
        return SQLITE_NOMEM;
    memcpy(t->term[t->n].s, token, (size_t)n);
    t->term[t->n++].n = n;
    return SQLITE_OK;
}

static void terms_free(terms_t *t)
{
    int i;

    for (i = 0; i < t->n; i++)
        sqlite3_free(t->term[i].s);
    sqlite3_free(t->term);
}

/* The number of rows holding phrase i when it is one word (not a prefix) and the index keeps
 * its rows per word (df->terms, schema 28: the store writes it with each row, store_search.c
 * search_terms_count): one look-up on the connection running the search, so in the same
 * snapshot as the index it ranks. The table's row '' (a word no tokenizer gives) holds the
 * number of index rows it counts over: unless that is the index's own (rows), as it is not
 * after an older build wrote the index, the table is not trusted. SQLITE_NOTFOUND: a phrase
 * of several words, a prefix, no such table, or a table not in step; the caller counts. */
static int word_rows(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3 *db, df_t *df,
                     int i, const char *key, apr_size_t klen, sqlite3_int64 rows,
                     sqlite3_int64 *hits)
{
    terms_t t = { NULL, 0, 0 };
    sqlite3_stmt *stmt = NULL;
    char *sql;
    int rc;

    if (df->terms == NULL || db == NULL || key == NULL || klen < 3 || key[klen - 1] != '"'
        || api->xPhraseSize(fts, i) != 1)
        return SQLITE_NOTFOUND;
    rc = api->xTokenize(fts, key + 1, (int)klen - 2, &t, terms_token);
    if (rc == SQLITE_OK && t.n != 1)
        rc = SQLITE_NOTFOUND;
    if (rc == SQLITE_OK) {
        sql = sqlite3_mprintf("SELECT coalesce((SELECT n FROM %s WHERE term = ?1), 0), "
                              "(SELECT n FROM %s WHERE term = '')", df->terms, df->terms);
        rc = sql == NULL ? SQLITE_NOMEM
            : sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK ? SQLITE_OK
            : SQLITE_NOTFOUND;  /* no such table (a database set back): counted */
        sqlite3_free(sql);
    }
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(stmt, 1, t.term[0].s, t.term[0].n, SQLITE_STATIC);
    if (rc == SQLITE_OK) {
        if ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
            *hits = sqlite3_column_int64(stmt, 0);
            rc = sqlite3_column_type(stmt, 1) == SQLITE_INTEGER
                 && sqlite3_column_int64(stmt, 1) == rows && *hits >= 0 && *hits <= rows
                 ? SQLITE_OK : SQLITE_NOTFOUND;
        }
        else
            rc = rc == SQLITE_DONE ? SQLITE_NOTFOUND : rc;
    }
    sqlite3_finalize(stmt);
    terms_free(&t);
    return rc;
}

/* The number of rows holding phrase i: looked up (word_rows: exact, not kept), or kept, or
 * counted; kept when key is given. */
static int phrase_rows(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3 *db, df_t *df,
                       int i, sqlite3_int64 gen, const char *key, apr_size_t klen,
                       sqlite3_int64 rows, sqlite3_int64 *hits)
{
    sqlite3_int64 *kept = NULL;
    phrase_count_t count = { 0, (rows + 1) / 2, 0, 0 };
    int rc;

    if ((rc = word_rows(api, fts, db, df, i, key, klen, rows, hits)) != SQLITE_NOTFOUND)
        return rc;
    if (key && df->keep.lock) {
        apr_thread_mutex_lock(df->keep.lock);
        if (df->gen != gen || df->n >= DF_MAX) {
            apr_pool_clear(df->keep.pool);
            df->counts = apr_hash_make(df->keep.pool);
            df->gen = gen;
            df->n = 0;
        }
        kept = apr_hash_get(df->counts, key, (apr_ssize_t)klen);
        if (kept)
            *hits = *kept;
        apr_thread_mutex_unlock(df->keep.lock);
        if (kept)
            return SQLITE_OK;
    }
    rc = api->xQueryPhrase(fts, i, &count, count_cb);     /* SQLITE_DONE: SQLITE_OK */
    if (rc == SQLITE_OK && (rc = estimate_rows(db, df->index, &count, rows)) == SQLITE_NOTFOUND) {
        count.n = count.last = 0;
        count.exact = 1;
        rc = api->xQueryPhrase(fts, i, &count, count_cb);
    }
    *hits = count.n;
    if (rc == SQLITE_OK && key && df->keep.lock) {
        apr_thread_mutex_lock(df->keep.lock);
        if (df->gen == gen && apr_hash_get(df->counts, key, (apr_ssize_t)klen) == NULL) {
            kept = apr_palloc(df->keep.pool, sizeof *kept);
            *kept = *hits;
            apr_hash_set(df->counts, apr_pstrmemdup(df->keep.pool, key, klen), (apr_ssize_t)klen, kept);
            df->n++;
        }
        apr_thread_mutex_unlock(df->keep.lock);
    }
    return rc;
}

static void rank_data_free(void *v)
{
    sqlite3_free(v);
}

static int rank_data(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3 *db, df_t *df,
                     sqlite3_int64 gen, const char *match, rank_data_t **out)
{
    rank_data_t *d = api->xGetAuxdata(fts, 0);
    sqlite3_int64 rows = 0, tokens = 0;
    const char **phrase;
    apr_size_t *len;
    int rc, i, n, named;

    if ((*out = d) != NULL)
        return SQLITE_OK;
    n = api->xPhraseCount(fts);
    d = sqlite3_malloc64(sizeof *d + (sizeof(double) * 2 + sizeof(char *) + sizeof(apr_size_t))
                         * (sqlite3_uint64)(n ? n : 1));
    if (d == NULL)
        return SQLITE_NOMEM;
    memset(d, 0, sizeof *d);
    d->nphrase = n;
    d->idf = (double *)(d + 1);
    d->freq = d->idf + (n ? n : 1);
    phrase = (const char **)(d->freq + (n ? n : 1));
    len = (apr_size_t *)(phrase + (n ? n : 1));
    named = match && phrases_of(match, phrase, n, len) == n;
    rc = api->xRowCount(fts, &rows);
    if (rc == SQLITE_OK)
        rc = api->xColumnTotalSize(fts, -1, &tokens);
    if (rc == SQLITE_OK)
        d->avgdl = (double)tokens / (double)(rows ? rows : 1);
    for (i = 0; rc == SQLITE_OK && i < n; i++) {
        sqlite3_int64 hits = 0;

        rc = phrase_rows(api, fts, db, df, i, gen, named ? phrase[i] : NULL,
                         named ? len[i] : 0, rows, &hits);
        if (rc == SQLITE_OK) {
            double idf = log(((double)rows - (double)hits + 0.5) / ((double)hits + 0.5));

            d->idf[i] = !(idf > 0.0) ? 1e-6 : idf;      /* as bm25(); never a NaN */
        }
    }
    if (rc == SQLITE_OK)
        rc = api->xSetAuxdata(fts, d, rank_data_free);
    if (rc != SQLITE_OK) {
        sqlite3_free(d);
        return rc;
    }
    *out = d;
    return SQLITE_OK;
}

/* itsm_rank(itsm_search, generation, match[, length]), itsm_rank_prefix(itsm_search_prefix, ...): lower is better, as bm25(). length:
 * the row's length in tokens, which a search reads with the candidate's itsm_search_row
 * (schema 20) instead of FTS5's itsm_search_docsize, a page read per candidate; NULL or
 * absent: xColumnSize, the same number. */
static void rank_fn(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
                    int nval, sqlite3_value **val)
{
    const double k1 = 1.2, b = 0.75;
    rank_data_t *d = NULL;
    double score = 0.0, dl = 0.0;
    int rc, i, ninst = 0, ntok = 0;

    if (nval != 2 && nval != 3) {
        sqlite3_result_error(ctx, "itsm_rank takes the generation, the MATCH string and the "
                             "row's length", -1);
        return;
    }
    rc = rank_data(api, fts, sqlite3_context_db_handle(ctx), api->xUserData(fts),
                   sqlite3_value_int64(val[0]),
                   (const char *)sqlite3_value_text(val[1]), &d);
    if (rc == SQLITE_OK) {
        memset(d->freq, 0, sizeof(double) * (size_t)d->nphrase);
        rc = api->xInstCount(fts, &ninst);
    }
    for (i = 0; rc == SQLITE_OK && i < ninst; i++) {
        int ip, ic, io;

        rc = api->xInst(fts, i, &ip, &ic, &io);
        if (rc == SQLITE_OK)
            d->freq[ip] += ic < NCOLS ? weights[ic] : 0.0;
    }
    if (rc == SQLITE_OK && nval == 3 && sqlite3_value_type(val[2]) != SQLITE_NULL)
        ntok = sqlite3_value_int(val[2]);       /* as the index keeps it (itsm_search_row.dl) */
    else if (rc == SQLITE_OK)
        rc = api->xColumnSize(fts, -1, &ntok);
    if (rc != SQLITE_OK) {
        sqlite3_result_error_code(ctx, rc);
        return;
    }
    dl = (double)ntok;
    for (i = 0; i < d->nphrase; i++)
        score += d->idf[i] * ((d->freq[i] * (k1 + 1.0))
                              / (d->freq[i] + k1 * (1 - b + b * dl / d->avgdl)));
    sqlite3_result_double(ctx, -1.0 * score);
}

/* ---- itsm_snippet ----------------------------------------------------------------------- */

/* itsm_snippet(index, column, open, close, ellipsis, tokens): FTS5's snippet() for one
 * column, its window chosen by snippet()'s score (each phrase found in it 1000, each further
 * instance 1) and centred on the matched words as snippet() centres it, but without
 * snippet()'s preference for a window starting a sentence: that took a tokenizer pass over
 * the whole column to find its sentences, and the highlight a second one to its end, about
 * 50 µs for an article's body of 2 KB, the most of a search's page row (docs/performance.md,
 * "The rank cut-off and the page's snippets"). Here the only pass is the highlight's, and it
 * stops at the window's last token. Instances (xInst) cost no tokenizing. Two more
 * differences: only windows starting at the column's first SNIPPET_INSTANCES instances are
 * scored (a body naming a word thousands of times costs no more than one naming it 256
 * times), and the instances are coalesced from the window's start on, so one that starts
 * before the window leaves a later overlapping one marked. */

#define SNIPPET_INSTANCES 256   /* instances of the column scored, the first ones */

typedef struct snip_inst_t {
    int start, end;             /* token positions, end inclusive */
    int phrase;
} snip_inst_t;

typedef struct snip_t {
    const char *text;
    int len;
    int first, last;            /* the window's token positions, inclusive */
    int pos;                    /* the next token's position */
    int off;                    /* bytes of text already written */
    const snip_inst_t *inst;    /* the column's instances from the window on, coalesced */
    int ninst, at;
    const char *open, *close;
    sqlite3_str *out;
} snip_t;

static int inst_cmp(const void *a, const void *b)
{
    const snip_inst_t *x = a, *y = b;

    return x->start != y->start ? (x->start < y->start ? -1 : 1)
                                : (x->end < y->end ? -1 : x->end > y->end);
}

static void snip_text(snip_t *s, int to)
{
    if (to > s->off) {
        sqlite3_str_append(s->out, s->text + s->off, to - s->off);
        s->off = to;
    }
}

/* As snippet()'s fts5HighlightCb within its range, and done after the range's last token. */
static int snip_token(void *ctx, int flags, const char *token, int n, int start, int end)
{
    snip_t *s = ctx;
    int pos;

    (void)token, (void)n;
    if (flags & FTS5_TOKEN_COLOCATED)
        return SQLITE_OK;
    pos = s->pos++;
    if (pos < s->first)
        return SQLITE_OK;
    if (s->first && pos == s->first)
        s->off = start;
    if (s->at < s->ninst && pos == s->inst[s->at].start) {
        snip_text(s, start);
        sqlite3_str_appendall(s->out, s->open);
    }
    if (s->at < s->ninst && pos == s->inst[s->at].end) {
        snip_text(s, end);
        sqlite3_str_appendall(s->out, s->close);
        s->at++;
    }
    if (pos == s->last) {
        snip_text(s, end);
        if (s->at < s->ninst && pos >= s->inst[s->at].start && pos < s->inst[s->at].end)
            sqlite3_str_appendall(s->out, s->close);
        return SQLITE_DONE;
    }
    return SQLITE_OK;
}

static void snippet_fn(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
                       int nval, sqlite3_value **val)
{
    snip_inst_t *inst = NULL;
    unsigned char *seen = NULL;
    const char *ellipsis;
    int col, ntok, rc, ninst = 0, n = 0, size = 0, best = 0, first = 0, i, j;
    int phrases = api->xPhraseCount(fts);
    snip_t s;

    if (nval != 5) {
        sqlite3_result_error(ctx, "itsm_snippet takes the column, the open and close marks, "
                             "the ellipsis and the number of tokens", -1);
        return;
    }
    memset(&s, 0, sizeof s);
    col = sqlite3_value_int(val[0]);
    s.open = (const char *)sqlite3_value_text(val[1]);
    s.close = (const char *)sqlite3_value_text(val[2]);
    ellipsis = (const char *)sqlite3_value_text(val[3]);
    ntok = sqlite3_value_int(val[4]);
    if (s.open == NULL || s.close == NULL || ellipsis == NULL || ntok < 1 || ntok > 64) {
        sqlite3_result_error(ctx, "itsm_snippet: bad arguments", -1);
        return;
    }
    rc = api->xColumnText(fts, col, &s.text, &s.len);
    if (rc == SQLITE_OK && s.text == NULL) {
        sqlite3_result_text(ctx, "", 0, SQLITE_STATIC);
        return;
    }
    if (rc == SQLITE_OK)
        rc = api->xColumnSize(fts, col, &size);
    if (rc == SQLITE_OK)
        rc = api->xInstCount(fts, &ninst);
    if (rc == SQLITE_OK && ninst > 0) {
        inst = sqlite3_malloc64(sizeof *inst * (sqlite3_uint64)ninst);
        seen = sqlite3_malloc64((sqlite3_uint64)phrases + 1);
        if (inst == NULL || seen == NULL)
            rc = SQLITE_NOMEM;
    }
    /* the column's instances, sorted below by position (and end: the coalescing's order) */
    for (i = 0; rc == SQLITE_OK && i < ninst; i++) {
        int ip, ic, io;

        rc = api->xInst(fts, i, &ip, &ic, &io);
        if (rc == SQLITE_OK && ic == col && io < size) {
            inst[n].start = io;
            inst[n].end = io + api->xPhraseSize(fts, ip) - 1;
            inst[n].phrase = ip;
            n++;
        }
    }
    if (rc == SQLITE_OK && n > 1)
        qsort(inst, (size_t)n, sizeof *inst, inst_cmp);
    /* snippet()'s window: the best score of the windows starting at an instance, centred on
     * the instances it holds; the first of equal scores */
    for (i = 0; rc == SQLITE_OK && i < n && i < SNIPPET_INSTANCES; i++) {
        int score = 0, last = inst[i].end + 1;

        memset(seen, 0, (size_t)phrases + 1);
        for (j = i; j > 0 && inst[j - 1].start == inst[i].start; j--)
            ;
        for (; j < n && inst[j].start < inst[i].start + ntok; j++) {
            score += seen[inst[j].phrase] ? 1 : 1000;
            seen[inst[j].phrase] = 1;
            last = inst[j].end + 1;
        }
        if (score > best) {
            int adj = inst[i].start - (ntok - (last - inst[i].start)) / 2;

            if (adj + ntok > size)
                adj = size - ntok;
            best = score;
            first = adj < 0 ? 0 : adj;
        }
    }
    if (rc == SQLITE_OK) {
        /* coalesced, from the window on (as snippet()'s instance iterator) */
        int m = 0;

        for (i = 0; i < n; i++) {
            if (inst[i].start < first)
                continue;
            if (m > 0 && inst[i].start <= inst[m - 1].end) {
                if (inst[i].end > inst[m - 1].end)
                    inst[m - 1].end = inst[i].end;
            }
            else
                inst[m++] = inst[i];
        }
        s.inst = inst;
        s.ninst = m;
        s.first = first;
        s.last = first + ntok - 1;
        s.out = sqlite3_str_new(NULL);
        if (first > 0)
            sqlite3_str_appendall(s.out, ellipsis);
        rc = api->xTokenize(fts, s.text, s.len, &s, snip_token);
        if (rc == SQLITE_DONE)
            rc = SQLITE_OK;
        if (s.last >= size - 1)
            snip_text(&s, s.len);
        else
            sqlite3_str_appendall(s.out, ellipsis);
        rc = rc == SQLITE_OK ? sqlite3_str_errcode(s.out) : rc;
    }
    sqlite3_free(inst);
    sqlite3_free(seen);
    if (rc != SQLITE_OK) {
        sqlite3_free(s.out ? sqlite3_str_finish(s.out) : NULL);
        sqlite3_result_error_code(ctx, rc);
        return;
    }
    n = sqlite3_str_length(s.out);
    if (n == 0) {               /* sqlite3_str_finish gives NULL for nothing */
        sqlite3_free(sqlite3_str_finish(s.out));
        sqlite3_result_text(ctx, "", 0, SQLITE_STATIC);
        return;
    }
    sqlite3_result_text(ctx, sqlite3_str_finish(s.out), n, sqlite3_free);
}

/* ---- itsm_terms ------------------------------------------------------------------------- */

/* itsm_terms(index): the distinct words of the row's indexed columns (title, keywords, body)
 * as the index's own tokenizer gives them, a JSON array: what the row adds to the index's
 * count of rows per word (schema 28, store_search.c search_terms_count). */
static int term_cmp(const void *a, const void *b)
{
    const term_t *x = a, *y = b;
    int c = memcmp(x->s, y->s, (size_t)(x->n < y->n ? x->n : y->n));

    return c ? c : x->n - y->n;
}

static void terms_fn(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
                     int nval, sqlite3_value **val)
{
    terms_t t = { NULL, 0, 0 };
    sqlite3_str *out;
    int rc = SQLITE_OK, col, i, j;

    (void)val;
    if (nval != 0) {
        sqlite3_result_error(ctx, "itsm_terms takes the index only", -1);
        return;
    }
    for (col = 0; rc == SQLITE_OK && col < NCOLS; col++) {
        const char *text = NULL;
        int n = 0;

        if ((rc = api->xColumnText(fts, col, &text, &n)) == SQLITE_OK && text && n > 0)
            rc = api->xTokenize(fts, text, n, &t, terms_token);
    }
    if (t.n)
        qsort(t.term, (size_t)t.n, sizeof *t.term, term_cmp);
    out = sqlite3_str_new(NULL);
    sqlite3_str_appendchar(out, 1, '[');
    for (i = 0; rc == SQLITE_OK && i < t.n; i++) {
        if (i > 0 && term_cmp(&t.term[i], &t.term[i - 1]) == 0)
            continue;
        if (sqlite3_str_length(out) > 1)
            sqlite3_str_appendchar(out, 1, ',');
        sqlite3_str_appendchar(out, 1, '"');
        for (j = 0; j < t.term[i].n; j++) {
            unsigned char c = (unsigned char)t.term[i].s[j];

            if (c == '"' || c == '\\')
                sqlite3_str_appendf(out, "\\%c", c);
            else if (c < 0x20)
                sqlite3_str_appendf(out, "\\u%04x", c);
            else
                sqlite3_str_appendchar(out, 1, (char)c);
        }
        sqlite3_str_appendchar(out, 1, '"');
    }
    sqlite3_str_appendchar(out, 1, ']');
    terms_free(&t);
    if (rc == SQLITE_OK)
        rc = sqlite3_str_errcode(out);
    if (rc != SQLITE_OK) {
        sqlite3_free(sqlite3_str_finish(out));
        sqlite3_result_error_code(ctx, rc);
        return;
    }
    i = sqlite3_str_length(out);
    sqlite3_result_text(ctx, sqlite3_str_finish(out), i, sqlite3_free);
}

/* The connection's FTS5 API (fts5_api_from_db), or NULL. */
static fts5_api *fts5_api_of(itsm_store_t *st)
{
    sqlite3 *db = apr_dbd_native_handle(st->driver, st->handle);
    sqlite3_stmt *stmt = NULL;
    fts5_api *api = NULL;

    if (db == NULL)
        return NULL;
    if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &stmt, NULL) == SQLITE_OK) {
        sqlite3_bind_pointer(stmt, 1, (void *)&api, "fts5_api_ptr", NULL);
        sqlite3_step(stmt);
    }
    sqlite3_finalize(stmt);
    return api && api->iVersion >= 2 ? api : NULL;
}

static int count_token(void *ctx, int flags, const char *token, int n, int start, int end)
{
    (void)flags, (void)token, (void)n, (void)start, (void)end;
    ++*(int *)ctx;
    return SQLITE_OK;
}

int search_fts5_tokens(itsm_store_t *st, const char *text)
{
    fts5_api *api = fts5_api_of(st);
    fts5_tokenizer tk;
    Fts5Tokenizer *t = NULL;
    void *ud = NULL;
    int n = 0, rc;

    if (api == NULL || api->xFindTokenizer(api, "unicode61", &ud, &tk) != SQLITE_OK
        || tk.xCreate(ud, NULL, 0, &t) != SQLITE_OK)
        return -1;
    rc = tk.xTokenize(t, &n, FTS5_TOKENIZE_QUERY, text, (int)strlen(text), count_token);
    tk.xDelete(t);
    return rc == SQLITE_OK ? n : -1;
}

apr_status_t search_rank_register(itsm_store_t *st)
{
    fts5_api *api = fts5_api_of(st);
    size_t i;

    if (api == NULL) {
        st->error_text = "SQLite's FTS5 API is not available (fts5_api_from_db)";
        return APR_EGENERAL;
    }
    for (i = 0; i < sizeof dfs / sizeof dfs[0]; i++)
        if (api->xCreateFunction(api, rank_names[i], &dfs[i], rank_fn, NULL) != SQLITE_OK) {
            st->error_text = "registering the ranking functions itsm_rank and "
                             "itsm_rank_prefix failed";
            return APR_EGENERAL;
        }
    if (api->xCreateFunction(api, "itsm_terms", NULL, terms_fn, NULL) != SQLITE_OK) {
        st->error_text = "registering the function itsm_terms failed";
        return APR_EGENERAL;
    }
    if (api->xCreateFunction(api, "itsm_snippet", NULL, snippet_fn, NULL) != SQLITE_OK) {
        st->error_text = "registering the snippet function itsm_snippet failed";
        return APR_EGENERAL;
    }
    return APR_SUCCESS;
}
