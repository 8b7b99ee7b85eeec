<?xml version="1.0" encoding="UTF-8"?>
<!-- SPDX-License-Identifier: Apache-2.0 (see LICENSE) -->
<!-- The incident process's pages (mod_itsm_incident: itsm_process_t.stylesheet), imported
     after the core's itsm-portal.xsl: labels and hints of its fields (LLSD 4.2 for cases),
     the next step of a case, the inputs its actions ask for, the triage queue's
     completeness of each case. Everything else (layout, lists,
     history, forms, errors) is the core's. -->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:i="urn:mod-itsm:xml:1"
    xmlns:p="urn:mod-itsm:portal"
    exclude-result-prefixes="i p">

  <!-- field labels, on pages (element) and forms (p:field) alike -->
  <xsl:template name="incident-label">
    <xsl:param name="n"/>
    <xsl:choose>
      <xsl:when test="$n = 'organisation'">Organisation (if you do not have a Party ID)</xsl:when>
      <xsl:when test="$n = 'marketParticipantId'">Market Participant ID</xsl:when>
      <xsl:when test="$n = 'marketRole'">CRA market role</xsl:when>
      <xsl:when test="$n = 'category'">Category</xsl:when>
      <xsl:when test="$n = 'relatedUrl'">Related URL</xsl:when>
      <xsl:when test="$n = 'recommendedPriority'">Recommended priority</xsl:when>
      <xsl:when test="$n = 'externalDesk'">Other party's desk</xsl:when>
      <xsl:when test="$n = 'impactStatement'">Impact on participants</xsl:when>
      <xsl:when test="$n = 'article'">Knowledge article</xsl:when>
      <xsl:otherwise><xsl:call-template name="words"><xsl:with-param name="s" select="$n"/></xsl:call-template></xsl:otherwise>
    </xsl:choose>
  </xsl:template>
  <xsl:template match="i:case/* | i:incident/*" mode="label">
    <xsl:call-template name="incident-label"><xsl:with-param name="n" select="local-name()"/></xsl:call-template>
  </xsl:template>
  <xsl:template match="p:kind[@name = 'case' or @name = 'incident']/p:field" mode="field-label">
    <xsl:call-template name="incident-label"><xsl:with-param name="n" select="@name"/></xsl:call-template>
  </xsl:template>
  <xsl:template match="p:kind[@name = 'case']/p:field[@name = 'organisation']" mode="field-hint">
    <p class="hint">Give it only if your organisation has no Party ID yet; otherwise your Party ID is taken from your account.</p>
  </xsl:template>
  <xsl:template match="p:kind[@name = 'case']/p:field[@name = 'marketRole']" mode="field-hint">
    <p class="hint">The market role your party holds in the CRA, for example Supplier.</p>
  </xsl:template>
  <xsl:template match="p:kind[@name = 'case']/p:field[@name = 'relatedUrl']" mode="field-hint">
    <p class="hint">A link to a page that shows the problem, if there is one.</p>
  </xsl:template>

  <xsl:template match="p:collection[@kind = 'case']" mode="new-label">Raise a case</xsl:template>
  <!-- the service desk's work queue: new cases, oldest first -->
  <xsl:template match="p:collection[@kind = 'case']" mode="home-links">
    <xsl:if test="$ctx/p:who/p:role = 'service-desk-agent' or $ctx/p:who/p:role = 'incident-manager'">
      <li><a href="{$base}/{@name}?state=new&amp;sort=opened">Triage queue (new cases, oldest first)</a></li>
    </xsl:if>
  </xsl:template>
  <xsl:template match="p:collection[@kind = 'case']" mode="list-label">
    <xsl:choose>
      <xsl:when test="$ctx/p:who/p:role = 'market-participant'">My party's cases</xsl:when>
      <xsl:otherwise>Cases</xsl:otherwise>
    </xsl:choose>
  </xsl:template>
  <xsl:template match="i:case" mode="new-title">Raise a case</xsl:template>

  <!-- the triage queue (new cases, for the desk): each case's completeness, the LLSD 4.2
       fields triage needs that the case has (Party ID or organisation, Market Participant
       ID, CRA market role, category, subject, description; the related URL is optional) -->
  <xsl:variable name="triage-queue" select="$ctx/@collection = 'cases' and $ctx/p:arg[@name = 'state'] = 'new' and ($ctx/p:who/p:role = 'service-desk-agent' or $ctx/p:who/p:role = 'incident-manager')"/>
  <xsl:template match="i:list[@collection = 'cases']" mode="list-heads">
    <xsl:if test="$triage-queue"><th scope="col">Completeness</th></xsl:if>
  </xsl:template>
  <xsl:template match="i:list[@collection = 'cases']/i:case" mode="list-cells">
    <xsl:if test="$triage-queue">
      <xsl:variable name="missing">
        <xsl:if test="not(normalize-space(i:party)) and not(normalize-space(i:organisation))">Party ID or organisation, </xsl:if>
        <xsl:if test="not(normalize-space(i:marketParticipantId))">Market Participant ID, </xsl:if>
        <xsl:if test="not(normalize-space(i:marketRole))">CRA market role, </xsl:if>
        <xsl:if test="not(normalize-space(i:category))">category, </xsl:if>
        <xsl:if test="not(normalize-space(i:title))">subject, </xsl:if>
        <xsl:if test="not(normalize-space(i:description))">description, </xsl:if>
      </xsl:variable>
      <xsl:variable name="n" select="string-length($missing) - string-length(translate($missing, ',', ''))"/>
      <td class="completeness">
        <xsl:choose>
          <xsl:when test="normalize-space($missing) = ''">
            <strong class="tag tag-complete">Complete</strong><span class="visually-hidden"> (6 of 6 fields)</span>
          </xsl:when>
          <xsl:otherwise>
            <strong class="tag tag-incomplete">Incomplete</strong>
            <xsl:text> </xsl:text><xsl:value-of select="6 - $n"/><xsl:text> of 6; missing: </xsl:text>
            <xsl:value-of select="substring($missing, 1, string-length($missing) - 2)"/>
          </xsl:otherwise>
        </xsl:choose>
      </td>
    </xsl:if>
  </xsl:template>

  <!-- raise a case: the LLSD 4.2 fields, in its order -->
  <xsl:template match="i:case" mode="new">
    <xsl:for-each select="$ctx/p:kind/p:field[@name = 'organisation' or @name = 'marketParticipantId' or @name = 'marketRole' or @name = 'category']">
      <xsl:call-template name="input">
        <xsl:with-param name="form" select="'create'"/><xsl:with-param name="name" select="@name"/>
      </xsl:call-template>
    </xsl:for-each>
    <xsl:call-template name="input">
      <xsl:with-param name="form" select="'create'"/><xsl:with-param name="name" select="'title'"/>
      <xsl:with-param name="required" select="true()"/>
    </xsl:call-template>
    <xsl:call-template name="input">
      <xsl:with-param name="form" select="'create'"/><xsl:with-param name="name" select="'description'"/>
      <xsl:with-param name="type" select="'long-text'"/><xsl:with-param name="required" select="true()"/>
    </xsl:call-template>
    <xsl:call-template name="input">
      <xsl:with-param name="form" select="'create'"/><xsl:with-param name="name" select="'relatedUrl'"/>
    </xsl:call-template>
  </xsl:template>

  <!-- a case's next step, in words -->
  <xsl:template name="case-next">
    <xsl:param name="s"/>
    <xsl:choose>
      <xsl:when test="$s = 'new'">The service desk will look at it</xsl:when>
      <xsl:when test="$s = 'in-triage'">The service desk is assessing it</xsl:when>
      <xsl:when test="$s = 'awaiting-info'">The service desk is waiting for your reply</xsl:when>
      <!-- routed: by whom, as "Who holds it now" says (the context node is the case) -->
      <xsl:when test="$s = 'routed' and i:route = 'external' and i:externalDesk">
        <xsl:text>Passed to another party's service desk, </xsl:text><xsl:value-of select="i:externalDesk"/>
      </xsl:when>
      <xsl:when test="$s = 'routed' and i:route = 'incident'">The service desk is working on it as an incident</xsl:when>
      <xsl:when test="$s = 'routed' and i:route = 'request'">The service desk is working on it as a service request</xsl:when>
      <xsl:when test="$s = 'routed' and i:group">Being worked on by <xsl:value-of select="i:group"/></xsl:when>
      <xsl:when test="$s = 'routed'">Being worked on by the team it was passed to</xsl:when>
      <xsl:when test="$s = 'closed'">Nothing: it is closed (you can reopen it)</xsl:when>
      <xsl:otherwise>-</xsl:otherwise>
    </xsl:choose>
  </xsl:template>
  <!-- a case passed to another party's desk is held there (CPSD 6), not by the service desk -->
  <xsl:template match="i:case[i:state = 'routed'][i:route = 'external'][i:externalDesk]" mode="holder">
    <xsl:value-of select="i:externalDesk"/><xsl:text> (another party's service desk)</xsl:text>
  </xsl:template>
  <xsl:template match="i:case" mode="next-step">
    <div class="summary-row"><dt>Next step</dt><dd><xsl:call-template name="case-next"><xsl:with-param name="s" select="i:state"/></xsl:call-template></dd></div>
  </xsl:template>
  <xsl:template match="i:case" mode="next-step-text">
    <xsl:call-template name="case-next"><xsl:with-param name="s" select="i:state"/></xsl:call-template>
  </xsl:template>

  <!-- the inputs of each action -->
  <xsl:template match="p:action[@name = 'provide-info']" mode="action-label">Reply to the service desk</xsl:template>
  <xsl:template match="p:action[@name = 'request-info']" mode="action-label">Ask the participant for information</xsl:template>
  <xsl:template match="p:action[@name = 'await-info']" mode="action-label">Wait for information</xsl:template>
  <xsl:template match="p:action[@name = 'declare-major']" mode="action-label">Declare a major incident</xsl:template>
  <xsl:template match="p:action[@name = 'stand-down']" mode="action-label">Stand down the major incident</xsl:template>
  <xsl:template match="p:action[@name = 'notice']" mode="action-label">Send a notice</xsl:template>

  <xsl:template name="field-input">
    <xsl:param name="action"/>
    <xsl:param name="name"/>
    <xsl:param name="required" select="false()"/>
    <xsl:variable name="f" select="$ctx/p:kind/p:field[@name = $name]"/>
    <xsl:call-template name="input">
      <xsl:with-param name="form" select="$action"/><xsl:with-param name="name" select="$name"/>
      <xsl:with-param name="type" select="$f/@type"/><xsl:with-param name="values" select="$f/p:value"/>
      <xsl:with-param name="required" select="$required"/>
    </xsl:call-template>
  </xsl:template>

  <!-- the guidance article (docs/incident.md: route guidance and close with it), where the
       kind has the field (a case) -->
  <xsl:template name="article-input">
    <xsl:param name="action"/>
    <xsl:if test="$ctx/p:kind/p:field[@name = 'article']">
      <xsl:call-template name="field-input"><xsl:with-param name="action" select="$action"/><xsl:with-param name="name" select="'article'"/></xsl:call-template>
    </xsl:if>
  </xsl:template>

  <xsl:template match="i:case | i:incident" mode="action-fields">
    <xsl:param name="action"/>
    <xsl:choose>
      <xsl:when test="$action = 'triage'">
        <xsl:call-template name="field-input"><xsl:with-param name="action" select="$action"/><xsl:with-param name="name" select="'impact'"/></xsl:call-template>
        <xsl:call-template name="field-input"><xsl:with-param name="action" select="$action"/><xsl:with-param name="name" select="'urgency'"/></xsl:call-template>
      </xsl:when>
      <xsl:when test="$action = 'route'">
        <xsl:call-template name="field-input"><xsl:with-param name="action" select="$action"/><xsl:with-param name="name" select="'route'"/><xsl:with-param name="required" select="true()"/></xsl:call-template>
        <xsl:call-template name="input"><xsl:with-param name="form" select="$action"/><xsl:with-param name="name" select="'group'"/></xsl:call-template>
        <xsl:call-template name="field-input"><xsl:with-param name="action" select="$action"/><xsl:with-param name="name" select="'externalDesk'"/></xsl:call-template>
        <xsl:call-template name="field-input"><xsl:with-param name="action" select="$action"/><xsl:with-param name="name" select="'guidance'"/></xsl:call-template>
        <xsl:call-template name="article-input"><xsl:with-param name="action" select="$action"/></xsl:call-template>
        <xsl:call-template name="field-input"><xsl:with-param name="action" select="$action"/><xsl:with-param name="name" select="'externalReference'"/></xsl:call-template>
      </xsl:when>
      <xsl:when test="$action = 'close'">
        <xsl:call-template name="article-input"><xsl:with-param name="action" select="$action"/></xsl:call-template>
      </xsl:when>
      <xsl:when test="$action = 'assign'">
        <xsl:call-template name="input"><xsl:with-param name="form" select="$action"/><xsl:with-param name="name" select="'assignee'"/></xsl:call-template>
        <xsl:call-template name="input"><xsl:with-param name="form" select="$action"/><xsl:with-param name="name" select="'group'"/></xsl:call-template>
      </xsl:when>
      <xsl:when test="$action = 'resolve'">
        <xsl:call-template name="field-input"><xsl:with-param name="action" select="$action"/><xsl:with-param name="name" select="'resolution'"/><xsl:with-param name="required" select="true()"/></xsl:call-template>
      </xsl:when>
      <xsl:when test="$action = 'declare-major' or $action = 'notice'">
        <xsl:call-template name="field-input"><xsl:with-param name="action" select="$action"/><xsl:with-param name="name" select="'impactStatement'"/></xsl:call-template>
        <xsl:call-template name="field-input"><xsl:with-param name="action" select="$action"/><xsl:with-param name="name" select="'nextSteps'"/></xsl:call-template>
      </xsl:when>
      <xsl:when test="$action = 'publish-review'">
        <xsl:call-template name="field-input"><xsl:with-param name="action" select="$action"/><xsl:with-param name="name" select="'review'"/><xsl:with-param name="required" select="true()"/></xsl:call-template>
      </xsl:when>
    </xsl:choose>
    <xsl:call-template name="input">
      <xsl:with-param name="form" select="$action"/><xsl:with-param name="name" select="'note'"/>
      <xsl:with-param name="type" select="'long-text'"/>
      <xsl:with-param name="required" select="$action = 'provide-info' or $action = 'request-info'"/>
    </xsl:call-template>
  </xsl:template>
  <!-- the details form leaves out the post-incident review's text, which publish-review alone
       records (docs/incident.md) -->
  <xsl:template match="p:kind[@name = 'incident']/p:field[@name = 'review']" mode="update-input"/>
</xsl:stylesheet>
