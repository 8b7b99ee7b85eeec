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

/* Glossary terms: the index letter ("A".."Z", or "0-9" for a digit or any other first
 * character) and the unique key (the term in lower case, spaces collapsed). */
int term_create(itsm_call_t *c, itsm_ticket_t *t);
int term_update(itsm_call_t *c, const itsm_ticket_t *old, itsm_ticket_t *t);
const char *term_letter(apr_pool_t *p, const char *term);
const char *term_key(apr_pool_t *p, const char *term);

#endif
