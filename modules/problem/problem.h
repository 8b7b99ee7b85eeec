/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Problem management rules (LLSD 8): the problem statement, levels 1-4, the state machine
 * new -> under-investigation -> workaround-in-place -> root-cause-identified ->
 * solution-identified -> resolved -> closed (and cancelled), the KPI clocks' stops, the
 * known-error flag, incidents linked to the problem and the workaround published as a
 * knowledge article. No httpd header: mod_itsm_problem.c binds these to the core. */
#ifndef ITSM_PROBLEM_H
#define ITSM_PROBLEM_H

#include "itsm.h"

/* The link an incident makes to the problem that caused it (declared by the problem kind
 * for links made to it by incidents), and the one a problem makes to the knowledge article
 * that publishes its workaround. */
#define PROBLEM_LINK_CAUSED_BY "caused-by"
#define PROBLEM_LINK_ARTICLE "documented-in"
/* The kind of knowledge articles (mod_itsm_knowledge). */
#define PROBLEM_ARTICLE_KIND "article"
/* Categorising a problem (its level, which sets the KPI targets, and its service) after it is
 * logged is problem management's (LLSD 8.6: the desk and the SMEs are consulted): a plain
 * update changes them only for those granted this action of the same RACI row. */
#define PROBLEM_CATEGORISE_ACTION "investigate"

extern const char *const problem_finished[];

int problem_create(itsm_call_t *c, itsm_ticket_t *t);
int problem_update(itsm_call_t *c, const itsm_ticket_t *old, itsm_ticket_t *t);
int problem_action(itsm_call_t *c, const char *action, const itsm_ticket_t *old,
                   itsm_ticket_t *t);
/* An incident was linked to the problem (caused-by) or unlinked. */
int problem_linked(itsm_call_t *c, const char *type, int added, const itsm_ticket_t *old,
                   itsm_ticket_t *t, const itsm_ticket_t *incident);

/* A known error: a documented root cause and a workaround, and not cancelled. */
int problem_known_error(const itsm_ticket_t *t);

#endif
