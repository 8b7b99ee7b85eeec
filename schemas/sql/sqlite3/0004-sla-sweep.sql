-- SPDX-License-Identifier: Apache-2.0 (see LICENSE)
-- mod_itsm schema 4: what the SLA sweep needs without reading every ticket: whether a clock
-- with a target still runs, and which warnings and breaches were already announced.
ALTER TABLE itsm_ticket ADD COLUMN sla_open INTEGER NOT NULL DEFAULT 0;
ALTER TABLE itsm_ticket ADD COLUMN sla_notified VARCHAR(200) NOT NULL DEFAULT '';
CREATE INDEX itsm_ticket_sla_open ON itsm_ticket (sla_open, id);
