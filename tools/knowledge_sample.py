# SPDX-License-Identifier: Apache-2.0 (see LICENSE)
"""The knowledge base of the sample desk (tools/seed): the glossary (the terminology of the
MHHS Service Management Strategy, section 1.3, and the glossary entries visible in the LLSD
16.2 portal screenshots) and articles for the titles of LLSD appendix 23 (the Data
Integration Platform), with text written for this sample, in several states. Loaded through
the API by km1 and author1."""

# (term, acronym or None, definition): SM Strategy 1.3. An abbreviation's row gives the
# expansion as the term and the abbreviation as its acronym.
STRATEGY_TERMS = [
    ("Business As Usual", "BAU", "Normal operation of a service once it has left its project "
     "and early life support phases."),
    ("Balancing and Settlement Code", "BSC", "The code that sets out the rules for balancing "
     "and settlement of the GB wholesale electricity market."),
    ("BSC Company", "BSCCo", "The company that administers the Balancing and Settlement Code "
     "(Elexon)."),
    ("Central Service Providers", None, "The providers that manage and operate the electricity "
     "Central Services, namely Elexon, the DCC and ElectraLink."),
    ("Central Services", None, "The services that comprise the electricity central service "
     "delivery functions, namely the Elexon Central Services, Central Switching Service, Data "
     "Transfer Network and the central service delivery functions underpinning smart "
     "metering."),
    ("Central Switching Service", "CSS", "The central service that manages the switching of "
     "supplier for a metering point."),
    ("Data Communications Company", "DCC", "The company that runs the communications "
     "infrastructure for smart meters in Great Britain."),
    ("DIP Connection Provider", "DCP", "An organisation that connects market participants to "
     "the Data Integration Platform."),
    ("Data Integration Platform", "DIP", "The platform that carries the messages exchanged "
     "between market participants and central systems under MHHS."),
    ("Data Services Provider", "DSP", "A provider of data services, such as the collection and "
     "processing of metering data."),
    ("Data Transfer Network", "DTN", "The network operated by ElectraLink that carries data "
     "flows between electricity market participants."),
    ("Elexon Central Services", "ECS", "The central systems and services Elexon operates for "
     "balancing and settlement."),
    ("Electricity Enquiry Service", "EES", "The service that gives authorised users access to "
     "data about electricity metering points."),
    ("Early Life Support", "ELS", "The period of heightened support that follows the launch of "
     "a new or changed service."),
    ("Electricity Retail Data Service", "ERDS", "The service that holds the retail data of "
     "electricity metering points."),
    ("Incident", None, "An event that results in an unanticipated interruption in the delivery "
     "of a service or a reduction in the quality of a service."),
    ("Industry Standing Data", "ISD", "Reference data that market participants and central "
     "systems share, such as market participant and GSP group identifiers."),
    ("Information Technology Infrastructure Library", "ITIL", "A framework of good practice "
     "for IT service management."),
    ("IT Service Management", "ITSM", "The activities by which an organisation designs, "
     "delivers, manages and improves the IT services it provides."),
    ("Licensed Distribution System Operator", "LDSO", "A company licensed to distribute "
     "electricity over a distribution network."),
    ("Legacy Arrangements", None, "The existing arrangements set out under the BSC and REC."),
    ("Load Shaping Service", "LSS", "The central service that produces the load shapes used to "
     "allocate consumption to settlement periods."),
    ("Major Incident", None, "An incident which occurs within a Central Service and causes "
     "significant disruption to both the BAU operations of the originating Central Service and "
     "other adjacent Central Services and / or Market Participants, and which demands an "
     "urgent, high-priority response requiring involvement from at least one or more Central "
     "Service or any third party associated with those Central Services."),
    ("Market-wide Data Service", "MDS", "The central service that aggregates metering data "
     "for settlement under MHHS."),
    ("Market-wide Half-Hourly Settlement", "MHHS", "The programme that moves every electricity "
     "metering point in Great Britain to settlement on half-hourly data."),
    ("MHHS Arrangements", None, "The new MHHS arrangements as set out in the MHHS Core Design "
     "Artefacts."),
    ("MHHS SM", None, "The service management that will be delivered by Elexon in relation to "
     "the Elexon managed services, both new and old - DIP, LSS, CDCA, SAA etc."),
    ("Meter Point Administration Number", "MPAN", "The unique number that identifies an "
     "electricity metering point."),
    ("Metering Point Registration System", "MPRS", "The system in which distribution "
     "businesses register metering points."),
    ("Non-Functional Requirement", "NFR", "A requirement on how a system behaves, such as its "
     "performance, availability or security, rather than on what it does."),
    ("Retail Energy Code", "REC", "The code that sets out the rules for the retail energy "
     "market in Great Britain."),
    ("Retail Energy Code Company", "RECCo", "The company that administers the Retail Energy "
     "Code."),
    ("Registration Service", None, "The service operated by LDSOs."),
    ("Service Desk", None, "The single point of contact between the service provider and the "
     "users. A typical service desk manages incidents and service requests, and also handles "
     "communication with the users."),
    ("Service Request", None, "A formal request from a user asking the service provider to "
     "offer something e.g. a request for information, approval or advice."),
    ("Systems Integration Testing", "SIT", "Testing that systems work together end to end "
     "before they go live."),
    ("Service Level Agreements", "SLAs", "Agreements between a service provider and its "
     "customers that set the service levels to be met."),
    ("Service Management", "SM", "The management of services to meet the needs of their "
     "users."),
    ("SM Portal", None, "A self-serve platform which users can visit to raise requests and "
     "retrieve information."),
    ("Supplier Meter Registration Service", "SMRS", "The service that registers which "
     "supplier is responsible for a metering point."),
    ("SM System", None, "The tool used by the SM Service Provider to support the delivery of "
     "the SM. The system will be used to manage incidents and service requests and provide "
     "knowledge."),
    ("Target Operating Model", "TOM", "The way an organisation intends to run once a change is "
     "complete."),
    ("Unmetered Supplies", "UMS", "Electricity supplies, such as street lights, that are not "
     "measured by a meter but settled on an agreed consumption."),
    ("Unmetered Supplies Operator", "UMSO", "The party that manages the inventories of "
     "unmetered supplies in a distribution area."),
    ("Volume Allocation Service", "VAS", "The central service that allocates metered volumes "
     "to parties for settlement."),
]

# The glossary entries visible in the LLSD 16.2 screenshot (letter A, first page).
PORTAL_TERMS = [
    ("Acceptance", None, "The confirmation by the System Operator that a Bid or Offer has been "
     "accepted in the Balancing Mechanism."),
    ("Acceptance Data", None, "The data that records an Acceptance: the Bid-Offer Pair, its "
     "volumes and the times they apply."),
    ("Acceptance Volume", "qAkij(t)", "The volume of energy a BM Unit is instructed to deliver "
     "or take by an Acceptance, for each spot time."),
    ("Acceptance Volume Pair", None, "The part of an Acceptance Volume that falls within one "
     "Bid-Offer Pair."),
    ("Accepted Bid", None, "A Bid in the Balancing Mechanism that the System Operator has "
     "accepted."),
    ("Accepted Bid-Offer Volume", "ABO", "The volume of a Bid-Offer Pair that has been "
     "accepted, Bids and Offers together."),
    ("Accepted Bid Volume", "qABknij(t)", "The part of an Accepted Bid-Offer Volume that is a "
     "Bid, for each Bid-Offer Pair and spot time."),
    ("Accepted Offer", None, "An Offer in the Balancing Mechanism that the System Operator has "
     "accepted."),
    ("Accepted Offer Volume", "qAOknij(t)", "The part of an Accepted Bid-Offer Volume that is "
     "an Offer, for each Bid-Offer Pair and spot time."),
    ("Accession Agreement", None, "The agreement by which a new party accedes to the BSC and "
     "becomes bound by it."),
]

GLOSSARY = STRATEGY_TERMS + PORTAL_TERMS

OVERVIEW, ARCH, OPERATIONS, COMPLIANCE, ROADMAP, SUPPORT = (
    "DIP overview", "Architecture", "Operations", "Compliance and security", "Roadmap",
    "Support")


def p(*paras):
    return "".join("<p>%s</p>" % x for x in paras)


def ul(*items):
    return "<ul>%s</ul>" % "".join("<li>%s</li>" % x for x in items)


# (title, category, keywords, body (safe XHTML), state, audience)
# state: published, draft, in-review, approved, retired, or revised (published, with a new
# draft under review); audience: all unless said.
ARTICLES = [
    ("What is the Data Integration Platform (DIP)?", OVERVIEW, "DIP introduction",
     "<h2>In short</h2>" + p(
         "The Data Integration Platform (DIP) is the messaging hub of Market-wide Half-Hourly "
         "Settlement. Market participants and central services send their MHHS messages to "
         "the DIP, which checks them and delivers them to every party that must receive them.",
         "Each participant connects once, through a DIP Connection Provider or directly, "
         "instead of keeping point-to-point links with every counterparty.")
     + "<h3>See also</h3>" + p('<a href="/itsm/glossary?letter=D">The glossary, letter D</a>.'),
     "published", "all"),
    ("Importance of DIP in the market", OVERVIEW, "data exchange participants",
     p("Half-hourly settlement multiplies the data exchanged between suppliers, distribution "
       "network operators, data services and central systems. The DIP gives that exchange one "
       "format, one route and one place where delivery can be proven.",
       "A message that reached the DIP has a recorded time and acknowledgement, which settles "
       "most disputes about what was sent and when."), "published", "all"),
    ("High-level architecture overview of DIP", ARCH, "architecture components",
     p("The DIP is made of an ingestion layer that authenticates senders and validates "
       "messages against their schemas, a routing layer that works out the recipients of each "
       "message, and a delivery layer that pushes messages to recipients and records their "
       "acknowledgements.")
     + ul("Participant adapters connect over HTTPS with mutual TLS.",
          "Every message carries a unique identifier used for de-duplication.",
          "An audit store keeps the history of each message for reconciliation."),
     "published", "all"),
    ("Key components and services involved", ARCH, "data hubs APIs data flows",
     p("The main components are the participant-facing APIs, the message validation service, "
       "the routing rules held as market data, and the monitoring that watches queues and "
       "delivery times.") + ul("APIs: submit, acknowledge, query status.",
                               "Data flows: each MHHS interface (IF) has its own schema.",
                               "Reference data: market roles and identifiers from ISD."),
     "published", "all"),
    ("Technologies used in DIP", ARCH, "data formats messaging protocols JSON",
     p("Messages are JSON documents signed by their sender and sent over HTTPS. Participants "
       "authenticate with certificates issued for the DIP; each message names its interface "
       "and version so that schema changes can be rolled out side by side."),
     "published", "all"),
    ("How DIP supports data exchanges in the electricity market", OVERVIEW, "data exchange",
     p("A supplier that appoints a metering service, a data service reporting consumption, "
       "the registration service announcing a change of supplier: each is a DIP message with "
       "a defined sender, recipients and timing. The DIP guarantees delivery to every "
       "recipient or raises an exception that the sender can see."), "published", "all"),
    ("Role of DIP in settlements, balancing, and market operations", OVERVIEW,
     "settlement balancing",
     p("Settlement runs depend on complete and timely metering data. The DIP carries the "
       "consumption data from data services to the Market-wide Data Service and the results "
       "of settlement back to suppliers, so its availability is watched closely before every "
       "settlement run."), "published", "all"),
    ("Scalability and flexibility features of DIP", ARCH, "scalability capacity",
     p("The platform scales out by adding delivery workers, and queues absorb peaks such as "
       "the end of a settlement day. New interfaces are added as configuration of the routing "
       "rules and schemas, without a change to the participants already connected."),
     "published", "internal"),
    ("Key performance indicators (KPIs) for monitoring DIP efficiency", OPERATIONS,
     "KPI monitoring availability latency",
     p("The service is measured by its availability, the time from receipt to delivery of "
       "each message, the share of messages rejected by validation, and the age of the oldest "
       "undelivered message.")
     + "<table><tr><th>KPI</th><th>Target</th></tr><tr><td>Availability</td><td>99.9%</td></tr>"
       "<tr><td>Delivery within 5 minutes</td><td>99%</td></tr></table>",
     "published", "all"),
    ("How energy suppliers, distribution network operators (DNOs), and other participants "
     "interact with DIP", OVERVIEW, "suppliers DNO participants",
     p("Every participant plays one or more market roles, and its roles decide which "
       "interfaces it may send and which messages it receives. A supplier, for example, sends "
       "appointment requests and receives consumption data; a DNO receives registration "
       "changes for its area."), "published", "all"),
    ("Data submission processes through DIP", OPERATIONS, "submission submit message",
     "<ol><li>Build the message for its interface and version.</li><li>Sign it with your DIP "
     "certificate.</li><li>Submit it to the DIP API and keep the acknowledgement "
     "identifier.</li><li>Watch for delivery or exception notices.</li></ol>",
     "published", "all"),
    ("Data validation and error handling", OPERATIONS, "validation errors rejected exception",
     p("The DIP rejects a message that does not match its schema, that names a recipient the "
       "sender may not address, or that repeats an identifier already received. A rejection "
       "comes back synchronously with a reason code; a delivery failure later on raises an "
       "exception notice to the sender.", "Correct the message and send it with a new "
       "identifier; never reuse the identifier of a rejected message."), "published", "all"),
    ("Typical data flows within DIP", OPERATIONS, "meter readings settlement data flows",
     p("The most frequent flows are meter readings from data services, appointment and "
       "de-appointment of metering services, registration changes, and settlement results. "
       "Their volumes peak after midnight, when the previous day's half-hourly data is "
       "processed."), "published", "all"),
    ("Case studies showing DIP in action", OVERVIEW, "case study half-hourly",
     p("A supplier gaining a customer sends one appointment message; the DIP delivers it to "
       "the new data service and metering service, whose confirmations reach the supplier "
       "within minutes. Before the DIP the same exchange needed several point-to-point files "
       "over a day or more."), "draft", "all"),
    ("Examples of data types and how they are processed", OPERATIONS, "data types processing",
     p("Consumption data is validated against the metering point's registration before it is "
       "forwarded; reference data updates are applied to routing before later messages use "
       "them; notifications are delivered as they are."), "in-review", "all"),
    ("Overview of compliance requirements for market participants using DIP", COMPLIANCE,
     "compliance obligations qualification",
     p("Participants must pass qualification for each market role before they send live "
       "messages, keep their certificates valid, and answer DIP messages within the times "
       "the MHHS design sets for each interface."), "published", "all"),
    ("How DIP ensures compliance with UK energy regulations", COMPLIANCE, "regulation Ofgem",
     p("The DIP implements the data exchange rules of the BSC and the REC; its audit trail "
       "shows regulators and code bodies which messages were exchanged and when."),
     "approved", "all"),
    ("Data privacy and security within DIP", COMPLIANCE, "privacy personal data",
     p("Messages carry only the data their interface needs. Personal data is visible to the "
       "parties entitled to it and to no one else, and access to the audit store is limited "
       "to named operators."), "published", "all"),
    ("Monitoring and managing DIP services", OPERATIONS, "monitoring operations",
     p("The DIP Monitoring Team watches queues, delivery times and certificate expiries "
       "around the clock and raises incidents through the service desk when a threshold is "
       "crossed."), "published", "internal"),
    ("Incident management and support for market participants", SUPPORT, "incident support",
     p("Raise a case in the portal with the message identifiers concerned. The service desk "
       "triages it, and a failure that affects the service becomes an incident worked by the "
       "resolver group; major incidents are announced on the portal banner."),
     "published", "all"),
    ("Performance metrics and troubleshooting", SUPPORT, "performance troubleshooting slow",
     p("When deliveries seem slow, first check the status of your own adapter and its "
       "acknowledgements; then look at the DIP status page. Give the message identifiers and "
       "times when you raise a case."), "revised", "all"),
    ("Security measures implemented within DIP", COMPLIANCE, "security certificates TLS",
     p("Connections use mutual TLS; messages are signed; certificates are issued to vetted "
       "organisations only and renewed every year.") + ul(
         "Keys never leave the participant's systems.",
         "Revoked certificates are refused at once."), "published", "all"),
    ("How data is encrypted and protected", COMPLIANCE, "encryption",
     p("Data is encrypted in transit with TLS 1.2 or later and at rest in the DIP's stores; "
       "backups are encrypted with separate keys."), "published", "all"),
    ("Compliance with GDPR and other data protection regulations", COMPLIANCE, "GDPR",
     p("Elexon is the controller of the personal data it holds for the DIP; retention follows "
       "the periods the codes require, after which records are deleted."), "published",
     "all"),
    ("Planned upgrades or future enhancements to DIP", ROADMAP, "upgrades releases",
     p("Upgrades are announced in the release calendar at least a month ahead, with the "
       "interface versions they add and the date old versions stop being accepted."),
     "retired", "all"),
    ("Potential impact of emerging technologies (e.g., AI, blockchain) on DIP", ROADMAP,
     "AI blockchain", p("Elexon watches emerging technologies for the DIP; none changes how "
                        "participants connect today."), "draft", "all"),
    ("Elexon's roadmap for DIP", ROADMAP, "roadmap",
     p("The roadmap covers new interface versions, capacity for the full MHHS volumes and "
       "improvements to self-service monitoring for participants."), "published", "all"),
    ("Available resources and training materials for participants", SUPPORT, "training",
     p("Interface specifications, onboarding guides and recorded training sessions are "
       "published on the Elexon website; ask the service desk for access to the test "
       "environment."), "published", "all"),
    ("How to get support from Elexon regarding DIP issues", SUPPORT, "support contact",
     p("Raise a case in the Elexon Support Portal. Give your Party ID, the market role, the "
       "interface and the message identifiers; the service desk answers within the response "
       "time of the case's priority."), "published", "all"),
    ("FAQs and troubleshooting guides", SUPPORT, "FAQ troubleshooting",
     "<h3>I don't see any DIP IDs listed; how do I assign my roles?</h3>" + p(
         "DIP IDs appear once your organisation's qualification for a role is complete. Ask "
         "your organisation's administrator to check the role's status in the portal.")
     + "<h3>We received a Domain name failure error message</h3>" + p(
         "Create and validate the domain in the certificate portal before you request the "
         "certificate; the DIP portal cannot create domains."), "published", "all"),
    ("Frequently asked questions about DIP", SUPPORT, "FAQ questions",
     p("Who connects to the DIP? Every MHHS participant. Does the DIP store my data? Only as "
       "long as delivery and audit require. Can I test first? Yes, in the test environment."),
     "published", "all"),
    ("Common issues faced by market participants and solutions", SUPPORT,
     "common issues certificate renewal keys",
     ul("Messages rejected after a key rotation: register the new key before you use it.",
        "Certificate renewal: renew at least 30 days before expiry; the DIP refuses an "
        "expired certificate.",
        "Invitation link not received: check the address your administrator registered."),
     "published", "party:ALPE party:BRMP party:ESGS"),
    ("Tips and best practices for effectively using DIP", SUPPORT, "tips best practices",
     p("Keep message identifiers unique, acknowledge deliveries promptly, monitor your "
       "exception notices and keep a calendar of certificate expiries."), "published", "all"),
    ("Elexon support channels for DIP-related inquiries", SUPPORT, "support channels",
     p('The Elexon Support Portal is the first point of contact: <a href="https://support.'
       'elexon.co.uk/csm">support.elexon.co.uk</a>. The service desk answers there during '
       'its hours; major incidents are announced on the portal banner.'), "published", "all"),
]

# searches that find nothing, so that the knowledge gaps show something: (user, query)
GAP_SEARCHES = [("alice", "invoice dispute"), ("bob", "invoice dispute"),
                ("prov1", "smart meter firmware"), ("alice", "settlement calendar 2027")]

# an article's way to publication: (action, the state it reaches)
TO_PUBLISHED = [("submit", "in-review"), ("approve", "approved"), ("publish", "published")]
# and on from there: "revised" is a published article with a new draft under review
AFTER_PUBLISHED = {"retired": ["retire"], "revised": ["revise", "submit"]}


def actions_to(state):
    """The actions, in order, that take a new draft article to state."""
    if state in AFTER_PUBLISHED:
        return actions_to("published") + AFTER_PUBLISHED[state]
    states = ["draft"] + [reached for _, reached in TO_PUBLISHED]
    if state not in states:
        raise ValueError(f"no way to an article state {state!r}")
    return [action for action, _ in TO_PUBLISHED[:states.index(state)]]
