BEGIN TRANSACTION;
CREATE TABLE itsm_counter (
    kind VARCHAR(40) PRIMARY KEY,
    next_value INTEGER NOT NULL
);
INSERT INTO "itsm_counter" VALUES('case',2);
INSERT INTO "itsm_counter" VALUES('incident',5);
INSERT INTO "itsm_counter" VALUES('review-action',0);
INSERT INTO "itsm_counter" VALUES('test',0);
CREATE TABLE itsm_journal (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES itsm_ticket (id),
    at INTEGER NOT NULL,
    actor VARCHAR(100) NOT NULL,
    action VARCHAR(40) NOT NULL,
    changes TEXT NOT NULL,
    note TEXT NOT NULL
);
INSERT INTO "itsm_journal" VALUES(1,1,1796189310,'agent1','create','state	\-	new
party	\-	ALPE
title	\-	Legacy incident 0
priority	\-	P4
description	\-	The overnight settlement run did not finish
impact	\-	medium
urgency	\-	low
service	\-	DIP
category	\-	Cat0
','');
INSERT INTO "itsm_journal" VALUES(2,2,1796189310,'agent1','create','state	\-	new
party	\-	BRMP
title	\-	Legacy incident 1
priority	\-	P4
description	\-	The overnight settlement run did not finish
impact	\-	medium
urgency	\-	low
service	\-	Registration
category	\-	Cat1
','');
INSERT INTO "itsm_journal" VALUES(3,3,1796189310,'agent1','create','state	\-	new
party	\-	ALPE
title	\-	Legacy incident 2
priority	\-	P4
description	\-	The overnight settlement run did not finish
impact	\-	medium
urgency	\-	low
service	\-	DIP
category	\-	Cat2
','');
INSERT INTO "itsm_journal" VALUES(4,4,1796189310,'agent1','create','state	\-	new
party	\-	BRMP
title	\-	Legacy incident 3
priority	\-	P4
description	\-	The overnight settlement run did not finish
impact	\-	medium
urgency	\-	low
service	\-	Metering
category	\-	Cat0
','');
INSERT INTO "itsm_journal" VALUES(5,5,1796189310,'agent1','create','state	\-	new
party	\-	ALPE
title	\-	Legacy incident 4
priority	\-	P4
description	\-	The overnight settlement run did not finish
impact	\-	medium
urgency	\-	low
service	\-	DIP
category	\-	Cat1
','');
INSERT INTO "itsm_journal" VALUES(6,1,1796189310,'agent1','start','state	new	in-progress
','');
INSERT INTO "itsm_journal" VALUES(7,2,1796189310,'agent1','resolve','state	new	resolved
resolution	\-	Fixed
resolved	\-	2026-12-02T05:28:30Z
','');
INSERT INTO "itsm_journal" VALUES(8,2,1796189310,'agent1','close','state	resolved	closed
','');
INSERT INTO "itsm_journal" VALUES(9,3,1796189310,'agent1','cancel','state	new	cancelled
resolved	\-	2026-12-02T05:28:30Z
','');
INSERT INTO "itsm_journal" VALUES(10,6,1796189310,'alice','create','state	\-	new
party	\-	ALPE
title	\-	Legacy case
description	\-	The portal rejects the file with no message
category	\-	Registration
service	\-	DIP
','');
INSERT INTO "itsm_journal" VALUES(11,7,1796189310,'bob','create','state	\-	new
party	\-	BRMP
title	\-	Legacy case bob
description	\-	The portal rejects the file with no message
service	\-	Metering
','');
INSERT INTO "itsm_journal" VALUES(12,6,1796189310,'agent1','triage','state	new	in-triage
priority	\-	P4
impact	\-	low
urgency	\-	low
','');
INSERT INTO "itsm_journal" VALUES(13,1,1796189310,'agent1','link','link:relates-to	\-	INC0000003
','');
INSERT INTO "itsm_journal" VALUES(14,6,1796189310,'agent1','link','link:relates-to	\-	INC0000001
','');
CREATE TABLE itsm_link (
    id INTEGER PRIMARY KEY,
    from_id INTEGER NOT NULL REFERENCES itsm_ticket (id),
    to_id INTEGER NOT NULL REFERENCES itsm_ticket (id),
    type VARCHAR(40) NOT NULL,
    at INTEGER NOT NULL,
    actor VARCHAR(100) NOT NULL,
    UNIQUE (from_id, to_id, type)
);
INSERT INTO "itsm_link" VALUES(1,1,3,'relates-to',1796189310,'agent1');
INSERT INTO "itsm_link" VALUES(2,6,1,'relates-to',1796189310,'agent1');
CREATE TABLE itsm_outbox (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES itsm_ticket (id),
    recipient VARCHAR(100) NOT NULL,
    party VARCHAR(40) NOT NULL,
    party_wide INTEGER NOT NULL,
    at INTEGER NOT NULL,
    actor VARCHAR(100) NOT NULL,
    action VARCHAR(40) NOT NULL,
    summary TEXT NOT NULL
);
INSERT INTO "itsm_outbox" VALUES(1,6,'','ALPE',1,1796189310,'alice','create','state: (none) -> new; party: (none) -> ALPE; title: (none) -> Legacy case; description: (none) -> The portal rejects the file with no message; category: (none) -> Registration; service: (none) -> DIP');
INSERT INTO "itsm_outbox" VALUES(2,7,'','BRMP',1,1796189310,'bob','create','state: (none) -> new; party: (none) -> BRMP; title: (none) -> Legacy case bob; description: (none) -> The portal rejects the file with no message; service: (none) -> Metering');
INSERT INTO "itsm_outbox" VALUES(3,6,'alice','ALPE',1,1796189310,'agent1','triage','state: new -> in-triage; priority: (none) -> P4; impact: (none) -> low; urgency: (none) -> low');
INSERT INTO "itsm_outbox" VALUES(4,6,'alice','ALPE',1,1796189310,'agent1','link','link:relates-to');
CREATE TABLE itsm_schema (version INTEGER PRIMARY KEY, name VARCHAR(200) NOT NULL);
INSERT INTO "itsm_schema" VALUES(1,'0001-init.sql');
INSERT INTO "itsm_schema" VALUES(2,'0002-outbox.sql');
INSERT INTO "itsm_schema" VALUES(3,'0003-tags.sql');
INSERT INTO "itsm_schema" VALUES(4,'0004-sla-sweep.sql');
CREATE TABLE itsm_ticket (
    id INTEGER PRIMARY KEY,
    number VARCHAR(20) NOT NULL UNIQUE,
    kind VARCHAR(40) NOT NULL,
    party VARCHAR(40) NOT NULL,
    state VARCHAR(40) NOT NULL,
    title VARCHAR(200) NOT NULL,
    priority VARCHAR(4) NOT NULL DEFAULT '',
    assignee VARCHAR(100) NOT NULL DEFAULT '',
    grp VARCHAR(200) NOT NULL DEFAULT '',
    opened INTEGER NOT NULL,
    updated INTEGER NOT NULL,
    created_by VARCHAR(100) NOT NULL,
    version INTEGER NOT NULL,
    fields TEXT NOT NULL
, tags VARCHAR(200) NOT NULL DEFAULT '', sla_open INTEGER NOT NULL DEFAULT 0, sla_notified VARCHAR(200) NOT NULL DEFAULT '');
INSERT INTO "itsm_ticket" VALUES(1,'INC0000001','incident','ALPE','in-progress','Legacy incident 0','P4','','',1796189310,1796189310,'agent1',3,'service	DIP
category	Cat0
impact	medium
urgency	low
description	The overnight settlement run did not finish
sla.stop.response	1796189310
','',1,'');
INSERT INTO "itsm_ticket" VALUES(2,'INC0000002','incident','BRMP','closed','Legacy incident 1','P4','','',1796189310,1796189310,'agent1',3,'service	Registration
category	Cat1
impact	medium
urgency	low
description	The overnight settlement run did not finish
resolution	Fixed
sla.stop.response	1796189310
sla.stop.resolution	1796189310
resolved	2026-12-02T05:28:30Z
','',0,'');
INSERT INTO "itsm_ticket" VALUES(3,'INC0000003','incident','ALPE','cancelled','Legacy incident 2','P4','','',1796189310,1796189310,'agent1',2,'service	DIP
category	Cat2
impact	medium
urgency	low
description	The overnight settlement run did not finish
sla.stop.response	1796189310
sla.stop.resolution	1796189310
resolved	2026-12-02T05:28:30Z
','',0,'');
INSERT INTO "itsm_ticket" VALUES(4,'INC0000004','incident','BRMP','new','Legacy incident 3','P4','','',1796189310,1796189310,'agent1',1,'service	Metering
category	Cat0
impact	medium
urgency	low
description	The overnight settlement run did not finish
','',1,'');
INSERT INTO "itsm_ticket" VALUES(5,'INC0000005','incident','ALPE','new','Legacy incident 4','P4','','',1796189310,1796189310,'agent1',1,'service	DIP
category	Cat1
impact	medium
urgency	low
description	The overnight settlement run did not finish
','',1,'');
INSERT INTO "itsm_ticket" VALUES(6,'CS0000001','case','ALPE','in-triage','Legacy case','P4','','',1796189310,1796189310,'alice',3,'service	DIP
category	Registration
description	The portal rejects the file with no message
impact	low
urgency	low
sla.stop.response	1796189310
','',1,'');
INSERT INTO "itsm_ticket" VALUES(7,'CS0000002','case','BRMP','new','Legacy case bob','','','',1796189310,1796189310,'bob',1,'service	Metering
description	The portal rejects the file with no message
','',0,'');
CREATE INDEX itsm_ticket_kind ON itsm_ticket (kind, id);
CREATE INDEX itsm_ticket_party ON itsm_ticket (party, kind, id);
CREATE INDEX itsm_journal_ticket ON itsm_journal (ticket_id, id);
CREATE INDEX itsm_link_to ON itsm_link (to_id);
CREATE INDEX itsm_outbox_recipient ON itsm_outbox (recipient, id);
CREATE INDEX itsm_outbox_party ON itsm_outbox (party, party_wide, id);
CREATE INDEX itsm_ticket_sla_open ON itsm_ticket (sla_open, id);
COMMIT;
