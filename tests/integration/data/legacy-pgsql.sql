--
-- PostgreSQL database dump
--

\restrict sda4Gye5XoQv3kgiTD6GmGzBraglDtezfPEDen5gkfocNQNRKKuYV0ApZm3fRyv

-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: itsm_counter; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.itsm_counter (
    kind character varying(40) NOT NULL,
    next_value bigint NOT NULL
);


--
-- Name: itsm_journal; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.itsm_journal (
    id bigint NOT NULL,
    ticket_id bigint NOT NULL,
    at bigint NOT NULL,
    actor character varying(100) NOT NULL,
    action character varying(40) NOT NULL,
    changes text NOT NULL,
    note text NOT NULL
);


--
-- Name: itsm_journal_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.itsm_journal_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: itsm_journal_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.itsm_journal_id_seq OWNED BY public.itsm_journal.id;


--
-- Name: itsm_link; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.itsm_link (
    id bigint NOT NULL,
    from_id bigint NOT NULL,
    to_id bigint NOT NULL,
    type character varying(40) NOT NULL,
    at bigint NOT NULL,
    actor character varying(100) NOT NULL
);


--
-- Name: itsm_link_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.itsm_link_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: itsm_link_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.itsm_link_id_seq OWNED BY public.itsm_link.id;


--
-- Name: itsm_outbox; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.itsm_outbox (
    id bigint NOT NULL,
    ticket_id bigint NOT NULL,
    recipient character varying(100) NOT NULL,
    party character varying(40) NOT NULL,
    party_wide integer NOT NULL,
    at bigint NOT NULL,
    actor character varying(100) NOT NULL,
    action character varying(40) NOT NULL,
    summary text NOT NULL
);


--
-- Name: itsm_outbox_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.itsm_outbox_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: itsm_outbox_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.itsm_outbox_id_seq OWNED BY public.itsm_outbox.id;


--
-- Name: itsm_schema; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.itsm_schema (
    version integer NOT NULL,
    name character varying(200) NOT NULL
);


--
-- Name: itsm_ticket; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.itsm_ticket (
    id bigint NOT NULL,
    number character varying(20) NOT NULL,
    kind character varying(40) NOT NULL,
    party character varying(40) NOT NULL,
    state character varying(40) NOT NULL,
    title character varying(200) NOT NULL,
    priority character varying(4) DEFAULT ''::character varying NOT NULL,
    assignee character varying(100) DEFAULT ''::character varying NOT NULL,
    grp character varying(200) DEFAULT ''::character varying NOT NULL,
    opened bigint NOT NULL,
    updated bigint NOT NULL,
    created_by character varying(100) NOT NULL,
    version integer NOT NULL,
    fields text NOT NULL,
    tags character varying(200) DEFAULT ''::character varying NOT NULL,
    sla_open integer DEFAULT 0 NOT NULL,
    sla_notified character varying(200) DEFAULT ''::character varying NOT NULL
);


--
-- Name: itsm_ticket_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.itsm_ticket_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: itsm_ticket_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.itsm_ticket_id_seq OWNED BY public.itsm_ticket.id;


--
-- Name: itsm_journal id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.itsm_journal ALTER COLUMN id SET DEFAULT nextval('public.itsm_journal_id_seq'::regclass);


--
-- Name: itsm_link id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.itsm_link ALTER COLUMN id SET DEFAULT nextval('public.itsm_link_id_seq'::regclass);


--
-- Name: itsm_outbox id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.itsm_outbox ALTER COLUMN id SET DEFAULT nextval('public.itsm_outbox_id_seq'::regclass);


--
-- Name: itsm_ticket id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.itsm_ticket ALTER COLUMN id SET DEFAULT nextval('public.itsm_ticket_id_seq'::regclass);


--
-- Data for Name: itsm_counter; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.itsm_counter (kind, next_value) FROM stdin;
test	0
review-action	0
incident	5
case	2
\.


--
-- Data for Name: itsm_journal; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.itsm_journal (id, ticket_id, at, actor, action, changes, note) FROM stdin;
1	1	1796189313	agent1	create	state\t\\-\tnew\nparty\t\\-\tALPE\ntitle\t\\-\tLegacy incident 0\npriority\t\\-\tP4\ndescription\t\\-\tThe overnight settlement run did not finish\nimpact\t\\-\tmedium\nurgency\t\\-\tlow\nservice\t\\-\tDIP\ncategory\t\\-\tCat0\n	
2	2	1796189313	agent1	create	state\t\\-\tnew\nparty\t\\-\tBRMP\ntitle\t\\-\tLegacy incident 1\npriority\t\\-\tP4\ndescription\t\\-\tThe overnight settlement run did not finish\nimpact\t\\-\tmedium\nurgency\t\\-\tlow\nservice\t\\-\tRegistration\ncategory\t\\-\tCat1\n	
3	3	1796189313	agent1	create	state\t\\-\tnew\nparty\t\\-\tALPE\ntitle\t\\-\tLegacy incident 2\npriority\t\\-\tP4\ndescription\t\\-\tThe overnight settlement run did not finish\nimpact\t\\-\tmedium\nurgency\t\\-\tlow\nservice\t\\-\tDIP\ncategory\t\\-\tCat2\n	
4	4	1796189313	agent1	create	state\t\\-\tnew\nparty\t\\-\tBRMP\ntitle\t\\-\tLegacy incident 3\npriority\t\\-\tP4\ndescription\t\\-\tThe overnight settlement run did not finish\nimpact\t\\-\tmedium\nurgency\t\\-\tlow\nservice\t\\-\tMetering\ncategory\t\\-\tCat0\n	
5	5	1796189313	agent1	create	state\t\\-\tnew\nparty\t\\-\tALPE\ntitle\t\\-\tLegacy incident 4\npriority\t\\-\tP4\ndescription\t\\-\tThe overnight settlement run did not finish\nimpact\t\\-\tmedium\nurgency\t\\-\tlow\nservice\t\\-\tDIP\ncategory\t\\-\tCat1\n	
6	1	1796189313	agent1	start	state\tnew\tin-progress\n	
7	2	1796189313	agent1	resolve	state\tnew\tresolved\nresolution\t\\-\tFixed\nresolved\t\\-\t2026-12-02T05:28:33Z\n	
8	2	1796189313	agent1	close	state\tresolved\tclosed\n	
9	3	1796189313	agent1	cancel	state\tnew\tcancelled\nresolved\t\\-\t2026-12-02T05:28:33Z\n	
10	6	1796189313	alice	create	state\t\\-\tnew\nparty\t\\-\tALPE\ntitle\t\\-\tLegacy case\ndescription\t\\-\tThe portal rejects the file with no message\ncategory\t\\-\tRegistration\nservice\t\\-\tDIP\n	
11	7	1796189313	bob	create	state\t\\-\tnew\nparty\t\\-\tBRMP\ntitle\t\\-\tLegacy case bob\ndescription\t\\-\tThe portal rejects the file with no message\nservice\t\\-\tMetering\n	
12	6	1796189313	agent1	triage	state\tnew\tin-triage\npriority\t\\-\tP4\nimpact\t\\-\tlow\nurgency\t\\-\tlow\n	
13	1	1796189313	agent1	link	link:relates-to\t\\-\tINC0000003\n	
14	6	1796189313	agent1	link	link:relates-to\t\\-\tINC0000001\n	
\.


--
-- Data for Name: itsm_link; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.itsm_link (id, from_id, to_id, type, at, actor) FROM stdin;
1	1	3	relates-to	1796189313	agent1
2	6	1	relates-to	1796189313	agent1
\.


--
-- Data for Name: itsm_outbox; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.itsm_outbox (id, ticket_id, recipient, party, party_wide, at, actor, action, summary) FROM stdin;
1	6		ALPE	1	1796189313	alice	create	state: (none) -> new; party: (none) -> ALPE; title: (none) -> Legacy case; description: (none) -> The portal rejects the file with no message; category: (none) -> Registration; service: (none) -> DIP
2	7		BRMP	1	1796189313	bob	create	state: (none) -> new; party: (none) -> BRMP; title: (none) -> Legacy case bob; description: (none) -> The portal rejects the file with no message; service: (none) -> Metering
3	6	alice	ALPE	1	1796189313	agent1	triage	state: new -> in-triage; priority: (none) -> P4; impact: (none) -> low; urgency: (none) -> low
4	6	alice	ALPE	1	1796189313	agent1	link	link:relates-to
\.


--
-- Data for Name: itsm_schema; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.itsm_schema (version, name) FROM stdin;
1	0001-init.sql
2	0002-outbox.sql
3	0003-tags.sql
4	0004-sla-sweep.sql
\.


--
-- Data for Name: itsm_ticket; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.itsm_ticket (id, number, kind, party, state, title, priority, assignee, grp, opened, updated, created_by, version, fields, tags, sla_open, sla_notified) FROM stdin;
4	INC0000004	incident	BRMP	new	Legacy incident 3	P4			1796189313	1796189313	agent1	1	service\tMetering\ncategory\tCat0\nimpact\tmedium\nurgency\tlow\ndescription\tThe overnight settlement run did not finish\n		1	
5	INC0000005	incident	ALPE	new	Legacy incident 4	P4			1796189313	1796189313	agent1	1	service\tDIP\ncategory\tCat1\nimpact\tmedium\nurgency\tlow\ndescription\tThe overnight settlement run did not finish\n		1	
2	INC0000002	incident	BRMP	closed	Legacy incident 1	P4			1796189313	1796189313	agent1	3	service\tRegistration\ncategory\tCat1\nimpact\tmedium\nurgency\tlow\ndescription\tThe overnight settlement run did not finish\nresolution\tFixed\nsla.stop.response\t1796189313\nsla.stop.resolution\t1796189313\nresolved\t2026-12-02T05:28:33Z\n		0	
3	INC0000003	incident	ALPE	cancelled	Legacy incident 2	P4			1796189313	1796189313	agent1	2	service\tDIP\ncategory\tCat2\nimpact\tmedium\nurgency\tlow\ndescription\tThe overnight settlement run did not finish\nsla.stop.response\t1796189313\nsla.stop.resolution\t1796189313\nresolved\t2026-12-02T05:28:33Z\n		0	
7	CS0000002	case	BRMP	new	Legacy case bob				1796189313	1796189313	bob	1	service\tMetering\ndescription\tThe portal rejects the file with no message\n		0	
1	INC0000001	incident	ALPE	in-progress	Legacy incident 0	P4			1796189313	1796189313	agent1	3	service\tDIP\ncategory\tCat0\nimpact\tmedium\nurgency\tlow\ndescription\tThe overnight settlement run did not finish\nsla.stop.response\t1796189313\n		1	
6	CS0000001	case	ALPE	in-triage	Legacy case	P4			1796189313	1796189313	alice	3	service\tDIP\ncategory\tRegistration\ndescription\tThe portal rejects the file with no message\nimpact\tlow\nurgency\tlow\nsla.stop.response\t1796189313\n		1	
\.


--
-- Name: itsm_journal_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.itsm_journal_id_seq', 14, true);


--
-- Name: itsm_link_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.itsm_link_id_seq', 2, true);


--
-- Name: itsm_outbox_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.itsm_outbox_id_seq', 4, true);


--
-- Name: itsm_ticket_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.itsm_ticket_id_seq', 7, true);


--
-- Name: itsm_counter itsm_counter_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.itsm_counter
    ADD CONSTRAINT itsm_counter_pkey PRIMARY KEY (kind);


--
-- Name: itsm_journal itsm_journal_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.itsm_journal
    ADD CONSTRAINT itsm_journal_pkey PRIMARY KEY (id);


--
-- Name: itsm_link itsm_link_from_id_to_id_type_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.itsm_link
    ADD CONSTRAINT itsm_link_from_id_to_id_type_key UNIQUE (from_id, to_id, type);


--
-- Name: itsm_link itsm_link_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.itsm_link
    ADD CONSTRAINT itsm_link_pkey PRIMARY KEY (id);


--
-- Name: itsm_outbox itsm_outbox_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.itsm_outbox
    ADD CONSTRAINT itsm_outbox_pkey PRIMARY KEY (id);


--
-- Name: itsm_schema itsm_schema_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.itsm_schema
    ADD CONSTRAINT itsm_schema_pkey PRIMARY KEY (version);


--
-- Name: itsm_ticket itsm_ticket_number_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.itsm_ticket
    ADD CONSTRAINT itsm_ticket_number_key UNIQUE (number);


--
-- Name: itsm_ticket itsm_ticket_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.itsm_ticket
    ADD CONSTRAINT itsm_ticket_pkey PRIMARY KEY (id);


--
-- Name: itsm_journal_ticket; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX itsm_journal_ticket ON public.itsm_journal USING btree (ticket_id, id);


--
-- Name: itsm_link_to; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX itsm_link_to ON public.itsm_link USING btree (to_id);


--
-- Name: itsm_outbox_party; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX itsm_outbox_party ON public.itsm_outbox USING btree (party, party_wide, id);


--
-- Name: itsm_outbox_recipient; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX itsm_outbox_recipient ON public.itsm_outbox USING btree (recipient, id);


--
-- Name: itsm_ticket_kind; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX itsm_ticket_kind ON public.itsm_ticket USING btree (kind, id);


--
-- Name: itsm_ticket_party; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX itsm_ticket_party ON public.itsm_ticket USING btree (party, kind, id);


--
-- Name: itsm_ticket_sla_open; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX itsm_ticket_sla_open ON public.itsm_ticket USING btree (sla_open, id);


--
-- Name: itsm_journal itsm_journal_ticket_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.itsm_journal
    ADD CONSTRAINT itsm_journal_ticket_id_fkey FOREIGN KEY (ticket_id) REFERENCES public.itsm_ticket(id);


--
-- Name: itsm_link itsm_link_from_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.itsm_link
    ADD CONSTRAINT itsm_link_from_id_fkey FOREIGN KEY (from_id) REFERENCES public.itsm_ticket(id);


--
-- Name: itsm_link itsm_link_to_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.itsm_link
    ADD CONSTRAINT itsm_link_to_id_fkey FOREIGN KEY (to_id) REFERENCES public.itsm_ticket(id);


--
-- Name: itsm_outbox itsm_outbox_ticket_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.itsm_outbox
    ADD CONSTRAINT itsm_outbox_ticket_id_fkey FOREIGN KEY (ticket_id) REFERENCES public.itsm_ticket(id);


--
-- PostgreSQL database dump complete
--

\unrestrict sda4Gye5XoQv3kgiTD6GmGzBraglDtezfPEDen5gkfocNQNRKKuYV0ApZm3fRyv

