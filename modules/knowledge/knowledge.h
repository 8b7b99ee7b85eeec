/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The knowledge management rules (LLSD 16): the article lifecycle and its audience, glossary
 * terms (their index letter and unique key), and the knowledge gaps turned into drafts. No
 * httpd header: unit-tested alone (tests/unit/test_knowledge.c). */
#ifndef KNOWLEDGE_H
#define KNOWLEDGE_H

#include "itsm.h"

/* The grant that sees the knowledge gaps (GET /itsm/knowledge-gaps) and drafts an article
 * from one (<gap>): publish on article tickets, the knowledge managers' (RACI 16.5: identify
 * gaps, A). */
#define KNOWLEDGE_GAPS_ACTION "publish"

extern const char *const article_actions[];
extern const char *const article_finished[];

/* Articles: draft -> in-review -> approved -> published -> retired; reject (in-review ->
 * draft), revise (published or retired -> draft: the next version's working copy). */
int article_create(itsm_call_t *c, itsm_ticket_t *t);
int article_update(itsm_call_t *c, const itsm_ticket_t *old, itsm_ticket_t *t);
int article_action(itsm_call_t *c, const char *action, const itsm_ticket_t *old,
                   itsm_ticket_t *t);

/* The audience the core sees (the field "readers") from the article's <audience>: "all",
 * "internal" (none: its party and the roles that see every party) or entries as the core
 * takes them (party:ID, market-role:NAME, role:NAME); NULL for internal. */
const char *article_readers(apr_pool_t *p, const char *audience);

/* Glossary terms, and what is derived from each (term_derive_fields): the unique key, the
 * sort key and the index letter. */
int term_create(itsm_call_t *c, itsm_ticket_t *t);
int term_update(itsm_call_t *c, const itsm_ticket_t *old, itsm_ticket_t *t);

/* The rules of term_derive_fields (itsm_kind_t.derivation): a new name whenever what they
 * make of a stored term changes, so that the core derives the stored terms again at the
 * next start. 2026-12-07: the key in lower case over Unicode (ASCII alone before), the sort
 * key, the letters of Latin Extended-A. */
#define TERM_DERIVATION "unicode-fold-2"    /* 2: characters shown as nothing left out */

/* The locale term_key folds case by, made once a process before any term is keyed (the
 * module's post_config, before the children fork; never freed): APR_SUCCESS, or the error of
 * newlocale when the system has no C.UTF-8 locale (Debian ships it in libc-bin; a minimal
 * image of another system may need it installed).
 * Before it, term_key folds ASCII letters alone. */
apr_status_t term_fold_init(apr_pool_t *p);

/* The unique key: the term in lower case over Unicode (each character lower-cased after
 * upper-casing, by glibc's Unicode tables in C.UTF-8: É as é, Σ and ς as σ), white space
 * collapsed (Unicode's, the no-break space too) and trimmed, characters shown as nothing
(itsm_utf8_ignorable: a zero-width space, a soft hyphen) left out. No normalisation: an é typed as
 * e and a combining accent is another key than the precomposed é. Valid UTF-8 when term is;
 * a byte that is not UTF-8 is kept as it is. */
const char *term_key(apr_pool_t *p, const char *term);
/* The sort key of a unique key: each letter of Latin-1 and Latin Extended-A as its base
 * letter (é as e, ø as o, ł as l; æ, œ, ĳ, þ and ß as ae, oe, ij, th and ss), combining
 * accents (U+0300..U+036F) left out, any other character as it is. Compared as bytes (code
 * points), the glossary's A-Z order. */
const char *term_sort_key(apr_pool_t *p, const char *key);
/* The index letter: "A".."Z", the first letter of the term's sort key (Éclair under E,
 * Łódź under L), or "0-9" for a digit or any other first character. */
const char *term_letter(apr_pool_t *p, const char *term);
/* The fields derived from t's title (itsm_kind_t.derive): letter, key, sortKey, and the
 * audience ("all"). */
void term_derive_fields(apr_pool_t *p, itsm_ticket_t *t);

#endif
