<?xml version="1.0" encoding="UTF-8"?>
<!-- SPDX-License-Identifier: Apache-2.0 (see LICENSE) -->
<!-- The problem process's pages (mod_itsm_problem: itsm_process_t.stylesheet), imported after
     the core's itsm-portal.xsl: the problems list and the known-error base with their KPI
     clocks (LLSD 8.5) in words and colour, the labels of the problem statement (LLSD 8.3),
     the form of a new problem, and the inputs of the problem manager's actions. The problem
     page itself, its linked incidents, history and action forms are the core's. -->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:i="urn:mod-itsm:xml:1"
    xmlns:p="urn:mod-itsm:portal"
    exclude-result-prefixes="i p">

  <xsl:template name="problem-label">
    <xsl:param name="n"/>
    <xsl:choose>
      <xsl:when test="$n = 'level'">Level (1 highest, 4 lowest)</xsl:when>
      <xsl:when test="$n = 'relatedReferences'">Related references (other tools)</xsl:when>
      <xsl:when test="$n = 'scopeAndImpact'">Scope and impact</xsl:when>
      <xsl:when test="$n = 'rootCause'">Root cause</xsl:when>
      <xsl:when test="$n = 'solutionTimeframe'">Recommended timeframe for the solution</xsl:when>
      <xsl:when test="$n = 'knownError'">Known error</xsl:when>
      <xsl:when test="$n = 'incidentCount'">Incidents caused</xsl:when>
      <xsl:when test="$n = 'recurrences'">Incidents after the workaround was published</xsl:when>
      <xsl:otherwise><xsl:call-template name="words"><xsl:with-param name="s" select="$n"/></xsl:call-template></xsl:otherwise>
    </xsl:choose>
  </xsl:template>
  <xsl:template match="i:problem/*" mode="label">
    <xsl:call-template name="problem-label"><xsl:with-param name="n" select="local-name()"/></xsl:call-template>
  </xsl:template>
  <xsl:template match="p:kind[@name = 'problem']/p:field" mode="field-label">
    <xsl:call-template name="problem-label"><xsl:with-param name="n" select="@name"/></xsl:call-template>
  </xsl:template>
  <xsl:template match="p:kind[@name = 'problem']/p:field[@name = 'level']" mode="field-hint">
    <p class="hint">1: level 1 incidents, no known permanent fix, high probability of recurrence. 2: severity 1 or 2 incidents partly affecting a service. 3: no known workaround or fix, low probability of recurrence. 4: a workaround but no permanent fix, low probability of recurrence.</p>
  </xsl:template>

  <!-- the KPI clocks by name -->
  <xsl:template name="problem-clock">
    <xsl:param name="k"/>
    <xsl:choose>
      <xsl:when test="$k = 'root-cause'">Root cause identified</xsl:when>
      <xsl:when test="$k = 'solution'">Solution identified</xsl:when>
      <xsl:otherwise><xsl:call-template name="words"><xsl:with-param name="s" select="$k"/></xsl:call-template></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template match="p:collection[@kind = 'problem']" mode="list-label">Problems</xsl:template>
  <xsl:template match="p:collection[@kind = 'problem']" mode="new-label">Log a problem</xsl:template>
  <xsl:template match="p:collection[@kind = 'problem']" mode="home-links">
    <li><a href="{$base}/{@name}?knownError=true&amp;sort=-updated">Known-error base (known errors and their workarounds)</a></li>
  </xsl:template>
  <xsl:template match="i:problem" mode="new-title">Log a problem</xsl:template>

  <!-- the problems list, and the known-error base (?knownError=true) -->
  <xsl:template match="i:list[@collection = 'problems']" mode="title">
    <xsl:choose>
      <xsl:when test="$ctx/p:arg[@name = 'knownError'] = 'true'">Known-error base</xsl:when>
      <xsl:otherwise>Problems</xsl:otherwise>
    </xsl:choose>
  </xsl:template>
  <xsl:template match="i:list[@collection = 'problems']" mode="page">
    <h1><xsl:apply-templates select="." mode="title"/></h1>
    <xsl:if test="$ctx/p:nav/p:collection[@name = 'problems'][@create]">
      <p><a class="button" href="{$base}/problems/new">Log a problem</a></p>
    </xsl:if>
    <form method="get" action="{$base}/problems" class="filters" aria-label="Filters">
      <xsl:if test="$ctx/p:arg[@name = 'sort']"><input type="hidden" name="sort" value="{$ctx/p:arg[@name = 'sort']}"/></xsl:if>
      <xsl:call-template name="filter-select">
        <xsl:with-param name="name" select="'knownError'"/><xsl:with-param name="label" select="'Known errors only'"/>
        <xsl:with-param name="options" select="'true'"/>
      </xsl:call-template>
      <xsl:call-template name="filter-select">
        <xsl:with-param name="name" select="'level'"/><xsl:with-param name="label" select="'Level'"/>
        <xsl:with-param name="options" select="'1 2 3 4'"/>
      </xsl:call-template>
      <xsl:call-template name="filter-select">
        <xsl:with-param name="name" select="'open'"/><xsl:with-param name="label" select="'Open or finished'"/>
        <xsl:with-param name="options" select="'true false'"/>
      </xsl:call-template>
      <div class="form-group filter">
        <label class="label" for="filter-state">Status</label>
        <input class="input" id="filter-state" name="state" type="text" value="{$ctx/p:arg[@name = 'state']}"/>
      </div>
      <button type="submit" class="button button-secondary">Filter</button>
    </form>
    <xsl:choose>
      <xsl:when test="i:problem">
        <table class="table">
          <caption class="visually-hidden"><xsl:apply-templates select="." mode="title"/></caption>
          <thead>
            <tr>
              <th scope="col">Number</th><th scope="col">Problem</th><th scope="col">Level</th>
              <th scope="col">Status</th><th scope="col">Known error</th>
              <th scope="col">Root cause identified (KPI)</th><th scope="col">Solution identified (KPI)</th>
              <th scope="col">Incidents</th><th scope="col">Last changed</th>
            </tr>
          </thead>
          <tbody>
            <xsl:for-each select="i:problem">
              <tr>
                <td><a href="{$base}/problems/{i:number}"><xsl:value-of select="i:number"/></a></td>
                <td><xsl:value-of select="i:title"/>
                  <xsl:if test="i:knownError = 'true' and i:workaround">
                    <br/><span class="hint">Workaround: <xsl:value-of select="i:workaround"/></span>
                  </xsl:if>
                </td>
                <td><xsl:value-of select="i:level"/></td>
                <td><xsl:call-template name="state"><xsl:with-param name="s" select="i:state"/></xsl:call-template></td>
                <td><xsl:choose><xsl:when test="i:knownError = 'true'">Yes</xsl:when><xsl:otherwise>No</xsl:otherwise></xsl:choose></td>
                <td><xsl:apply-templates select="i:sla/i:target[@kind = 'root-cause']" mode="problem-kpi"/></td>
                <td><xsl:apply-templates select="i:sla/i:target[@kind = 'solution']" mode="problem-kpi"/></td>
                <td><xsl:value-of select="i:incidentCount"/></td>
                <td><xsl:call-template name="time"><xsl:with-param name="t" select="i:updated"/></xsl:call-template></td>
              </tr>
            </xsl:for-each>
          </tbody>
        </table>
      </xsl:when>
      <xsl:otherwise><p>Nothing to show.</p></xsl:otherwise>
    </xsl:choose>
    <nav class="pagination" aria-label="Pages">
      <xsl:if test="@offset &gt; 0">
        <a rel="prev" href="?{$ctx/@query-without-offset}offset={@offset - @limit * (@offset &gt;= @limit)}&amp;limit={@limit}">Previous page</a>
        <xsl:text> </xsl:text>
      </xsl:if>
      <xsl:if test="@more = 'true'">
        <a rel="next" href="?{$ctx/@query-without-offset}offset={@offset + @limit}&amp;limit={@limit}">Next page</a>
      </xsl:if>
    </nav>
  </xsl:template>

  <!-- one KPI clock in words (the colour repeats the word), with its due time -->
  <xsl:template match="i:target" mode="problem-kpi">
    <xsl:call-template name="sla-status"><xsl:with-param name="s" select="@status"/></xsl:call-template>
    <xsl:if test="@due">
      <br/><xsl:text>due </xsl:text><xsl:call-template name="time"><xsl:with-param name="t" select="@due"/></xsl:call-template>
    </xsl:if>
  </xsl:template>

  <!-- a problem's next step, in words -->
  <xsl:template name="problem-next">
    <xsl:param name="s"/>
    <xsl:choose>
      <xsl:when test="$s = 'new'">Problem management will start the investigation</xsl:when>
      <xsl:when test="$s = 'under-investigation'">Record a workaround, or identify the root cause</xsl:when>
      <xsl:when test="$s = 'workaround-in-place'">Identify the root cause</xsl:when>
      <xsl:when test="$s = 'root-cause-identified'">Identify the long-term solution</xsl:when>
      <xsl:when test="$s = 'solution-identified'">Put the solution in place, then resolve</xsl:when>
      <xsl:when test="$s = 'resolved'">Close it once the solution is verified</xsl:when>
      <xsl:otherwise>Nothing: it is finished</xsl:otherwise>
    </xsl:choose>
  </xsl:template>
  <!-- who holds a problem given no assignee nor resolver group: problem management, whose
       record it is (LLSD 8.6: accountable and responsible for all of it but developing the
       solution), not the service desk that may have logged it; a finished one nobody (the
       core's) -->
  <xsl:template match="i:problem" mode="holder">
    <xsl:call-template name="holder"><xsl:with-param name="unassigned" select="'Problem management'"/></xsl:call-template>
  </xsl:template>
  <xsl:template match="i:problem" mode="next-step">
    <div class="summary-row"><dt>Next step</dt><dd><xsl:call-template name="problem-next"><xsl:with-param name="s" select="i:state"/></xsl:call-template></dd></div>
  </xsl:template>
  <xsl:template match="i:problem" mode="next-step-text">
    <xsl:call-template name="problem-next"><xsl:with-param name="s" select="i:state"/></xsl:call-template>
  </xsl:template>

  <!-- log a problem: the problem statement of LLSD 8.3 (the workaround, root cause and
       solution are recorded by their actions) -->
  <xsl:template match="i:problem" mode="new">
    <xsl:call-template name="input">
      <xsl:with-param name="form" select="'create'"/><xsl:with-param name="name" select="'title'"/>
      <xsl:with-param name="required" select="true()"/>
    </xsl:call-template>
    <xsl:call-template name="input">
      <xsl:with-param name="form" select="'create'"/><xsl:with-param name="name" select="'description'"/>
      <xsl:with-param name="type" select="'long-text'"/><xsl:with-param name="required" select="true()"/>
    </xsl:call-template>
    <xsl:for-each select="$ctx/p:kind/p:field[not(@read-only) and not(@name = 'workaround' or @name = 'rootCause' or @name = 'solution' or @name = 'solutionTimeframe')]">
      <xsl:call-template name="input">
        <xsl:with-param name="form" select="'create'"/><xsl:with-param name="name" select="@name"/>
        <xsl:with-param name="type" select="@type"/><xsl:with-param name="values" select="p:value"/>
        <xsl:with-param name="required" select="@required = 'true'"/>
      </xsl:call-template>
    </xsl:for-each>
    <xsl:call-template name="priority-input"><xsl:with-param name="form" select="'create'"/></xsl:call-template>
  </xsl:template>
  <!-- the details form leaves out what the actions record, and offers what else a plain
       update changes (docs/problem.md): the statement's priority and the assignment, which
       no action of a problem sets (an incident's assign action has no counterpart here) -->
  <xsl:template match="p:kind[@name = 'problem']/p:field[@name = 'workaround' or @name = 'rootCause' or @name = 'solution' or @name = 'solutionTimeframe']" mode="update-input"/>
  <xsl:template match="i:problem" mode="update-common">priority assignee group</xsl:template>
  <!-- the priority is the statement's (LLSD 8.3, "urgency and priority"), beside the level
       of LLSD 8.4, which alone picks the KPI targets; the group is the resolver group of
       LLSD 8.6's "develop solution" -->
  <xsl:template match="p:kind[@name = 'problem']" mode="common-hint">
    <xsl:param name="name"/>
    <xsl:choose>
      <xsl:when test="$name = 'priority'"><p class="hint">The priority the problem statement gives it, P1 highest. The level sets the KPI targets; the priority sets none.</p></xsl:when>
      <xsl:when test="$name = 'group'"><p class="hint">The team that develops the solution. Without one, problem management holds the problem.</p></xsl:when>
    </xsl:choose>
  </xsl:template>

  <!-- the actions of the problem manager (and the resolver's solution) -->
  <xsl:template match="p:action[@name = 'investigate']" mode="action-label">Start the investigation</xsl:template>
  <xsl:template match="p:action[@name = 'record-workaround']" mode="action-label">Record the workaround</xsl:template>
  <xsl:template match="p:action[@name = 'identify-root-cause']" mode="action-label">Record the root cause</xsl:template>
  <xsl:template match="p:action[@name = 'identify-solution']" mode="action-label">Record the solution</xsl:template>
  <xsl:template match="p:action[@name = 'publish-workaround']" mode="action-label">Publish the workaround as a knowledge article</xsl:template>

  <xsl:template match="i:problem" mode="action-fields">
    <xsl:param name="action"/>
    <xsl:variable name="t" select="."/>
    <xsl:choose>
      <xsl:when test="$action = 'record-workaround'">
        <xsl:call-template name="input">
          <xsl:with-param name="form" select="$action"/><xsl:with-param name="name" select="'workaround'"/>
          <xsl:with-param name="type" select="'long-text'"/><xsl:with-param name="required" select="true()"/>
          <xsl:with-param name="value" select="$t/i:workaround"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:when test="$action = 'identify-root-cause'">
        <xsl:call-template name="input">
          <xsl:with-param name="form" select="$action"/><xsl:with-param name="name" select="'rootCause'"/>
          <xsl:with-param name="type" select="'long-text'"/><xsl:with-param name="required" select="true()"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:when test="$action = 'identify-solution'">
        <xsl:call-template name="input">
          <xsl:with-param name="form" select="$action"/><xsl:with-param name="name" select="'solution'"/>
          <xsl:with-param name="type" select="'long-text'"/><xsl:with-param name="required" select="true()"/>
        </xsl:call-template>
        <xsl:call-template name="input">
          <xsl:with-param name="form" select="$action"/><xsl:with-param name="name" select="'solutionTimeframe'"/>
        </xsl:call-template>
      </xsl:when>
    </xsl:choose>
    <xsl:call-template name="input">
      <xsl:with-param name="form" select="$action"/><xsl:with-param name="name" select="'note'"/>
      <xsl:with-param name="type" select="'long-text'"/>
    </xsl:call-template>
  </xsl:template>

  <!-- after the actions: link an incident this problem caused (those who may link) -->
  <xsl:template match="i:problem" mode="more-actions">
    <xsl:if test="$ctx/p:actions/p:action[@name = 'link'] and not(i:state = 'closed' or i:state = 'cancelled')">
      <form class="action-form" method="post" action="{$base}/problems/{i:number}/links" id="link-form">
        <xsl:call-template name="hidden-token"/>
        <input type="hidden" name="itsm-version" value="{i:version}"/>
        <input type="hidden" name="type" value="caused-by"/>
        <fieldset class="fieldset">
          <legend class="legend">Link an incident this problem caused</legend>
          <xsl:call-template name="input">
            <xsl:with-param name="form" select="'link'"/><xsl:with-param name="name" select="'target'"/>
            <xsl:with-param name="required" select="true()"/><xsl:with-param name="label" select="'Incident number'"/>
          </xsl:call-template>
          <button type="submit" class="button button-secondary">Link the incident</button>
        </fieldset>
      </form>
    </xsl:if>
  </xsl:template>
  <xsl:template match="i:link[@type = 'caused-by']" mode="link-label">
    <xsl:choose>
      <xsl:when test="@direction = 'in'">Incident caused by this problem</xsl:when>
      <xsl:otherwise>Caused by</xsl:otherwise>
    </xsl:choose>
  </xsl:template>
  <xsl:template match="i:link[@type = 'documented-in']" mode="link-label">
    <xsl:choose>
      <xsl:when test="@direction = 'in'">Documents the workaround of</xsl:when>
      <xsl:otherwise>Workaround published as</xsl:otherwise>
    </xsl:choose>
  </xsl:template>
</xsl:stylesheet>
