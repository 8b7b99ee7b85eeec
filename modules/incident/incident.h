/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Incident management rules: the priority matrix (LLSD 6.3), the incident and case state
 * machines, major-incident communications and cross-party holds. No httpd header: the
 * glue in mod_itsm_incident.c binds these to the core's kind callbacks. */
#ifndef ITSM_INCIDENT_H
#define ITSM_INCIDENT_H

#include "itsm.h"

typedef struct incident_conf_t {
    const char *matrix[3][3];       /* [urgency][impact], 0 = high, 1 = medium, 2 = low */
    int reopen_days;                /* a resolved ticket may be reopened this long after */
    int first_notice_min;           /* first major-incident notice after declaration */
    int update_min_p1, update_min_p2;   /* later notices, by priority */
    int review_days;                /* post-incident review due after resolution */
} incident_conf_t;

/* The states in which an incident, a case is finished (the kinds' final_states). */
extern const char *const incident_finished[];
extern const char *const case_finished[];
extern const char *const review_action_finished[];

/* The LLSD defaults. */
void incident_conf_defaults(incident_conf_t *conf);

/* The matrix alone, used by the rules below and exported for tests/unit/test_incident.c.
 * "high"/"medium"/"low" -> 0/1/2, -1 otherwise. */
int incident_level(const char *name);

/* Priority from impact and urgency; NULL when either is unknown. */
const char *incident_priority(const incident_conf_t *conf, const char *impact, const char *urgency);

int incident_create(itsm_call_t *c, const incident_conf_t *conf, itsm_ticket_t *t);
int incident_update(itsm_call_t *c, const incident_conf_t *conf, const itsm_ticket_t *old,
                    itsm_ticket_t *t);
int incident_action(itsm_call_t *c, const incident_conf_t *conf, const char *action,
                    const itsm_ticket_t *old, itsm_ticket_t *t);

int case_create(itsm_call_t *c, const incident_conf_t *conf, itsm_ticket_t *t);
int case_update(itsm_call_t *c, const incident_conf_t *conf, const itsm_ticket_t *old,
                itsm_ticket_t *t);
int case_action(itsm_call_t *c, const incident_conf_t *conf, const char *action,
                const itsm_ticket_t *old, itsm_ticket_t *t);

/* Actions agreed in a post-incident review, tracked to closure: open -> done. */
int review_action_create(itsm_call_t *c, const incident_conf_t *conf, itsm_ticket_t *t);
int review_action_update(itsm_call_t *c, const incident_conf_t *conf, const itsm_ticket_t *old,
                         itsm_ticket_t *t);
int review_action_action(itsm_call_t *c, const incident_conf_t *conf, const char *action,
                         const itsm_ticket_t *old, itsm_ticket_t *t);

/* The incident counts its open review actions (its children): one was created (old_state
 * NULL) or changed state. */
int incident_review_action_changed(itsm_call_t *c, const itsm_ticket_t *action,
                                   const char *old_state, const itsm_ticket_t *old,
                                   itsm_ticket_t *t);

/* Why an open case or incident is ageing (Forum deck's aged-case reasons). */
const char *incident_ageing_reason(const itsm_ticket_t *t);

#endif
