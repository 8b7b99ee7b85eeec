<?xml version="1.0" encoding="UTF-8"?>
<!-- SPDX-License-Identifier: Apache-2.0 (see LICENSE) -->
<!-- The portal's core stylesheet: the layout every page shares (header, navigation by the
     loaded processes and the caller's roles, the banner views, footer) and the generic pages
     of every document the core answers (a ticket with its history and the actions the caller
     may take, a list with filters, the aged view, the feed, the caller's identity, errors,
     the login page). A process's stylesheet (itsm_process_t.stylesheet) is imported after
     this one and overrides by matching its own elements in the modes below:
       mode="title"   the page's <title> and <h1> text
       mode="page"    the content of <main>
       mode="label"   a field's label (element name -> words)
       mode="value"   a field's value in words
       mode="hint"    a field's hint under its label, on forms
       mode="action-label"  an action's button text
       mode="action-fields" the inputs an action's form asks for (default: a note)
       mode="entry"   one journal entry in plain words
       mode="home-links" links a process puts first on the home page (p:collection)
       mode="new"     the inputs of the form of a new ticket
       mode="new-title" the title of that form's page
       mode="home-sections" sections a process puts on the home page (p:collection)
       mode="list-query" the query of a collection's navigation link (p:collection)
       mode="update-input" one input of the details form (p:field; empty: left out)
       mode="edit-page", mode="edit-title" the page of that form (?edit=details)
       mode="more-actions" forms after the action forms (the ticket)
       mode="link-label" a link's type in words (i:link of the links part)
       mode="suggest-from" the collection a new ticket's first submit searches (none: one step)
       mode="suggestions" how that search's list is offered
       mode="list-heads", mode="list-cells" more columns of a list (i:list; each ticket)
       mode="suggest-heading" the heading of that list offered while typing (itsm-suggest.js)
     Context: p:context() (urn:mod-itsm:portal) gives the request's context, p:words(s) a
     name as words ("marketRole" -> "Market role"), p:stats(collection, by) the counts
     GET /{collection}/stats?by={by} answers the caller (the glossary's A-Z bar),
     p:worst-status(nodes) the worst of a ticket's SLA statuses (a list row); see
     docs/portal.md. Output is escaped by construction: no disable-output-escaping but the
     doctype. -->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:i="urn:mod-itsm:xml:1"
    xmlns:p="urn:mod-itsm:portal"
    xmlns:a="http://www.w3.org/2005/Atom"
    exclude-result-prefixes="i p a">

  <xsl:output method="html" encoding="UTF-8" indent="no"/>

  <xsl:variable name="ctx" select="p:context()"/>
  <xsl:variable name="base" select="$ctx/@base"/>
  <xsl:variable name="refusal" select="$ctx/p:refusal"/>
  <!-- a ticket's details form: asked for (?edit=details), or refused and shown again -->
  <xsl:variable name="edit" select="$ctx/p:actions/p:action[@name = 'update']
      and ($ctx/p:arg[@name = 'edit'] = 'details' or $refusal/@action = 'update')"/>

  <!-- ================================================================ layout -->
  <xsl:template match="/">
    <xsl:text disable-output-escaping="yes">&lt;!DOCTYPE html&gt;&#10;</xsl:text>
    <html lang="en">
      <head>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title>
          <xsl:if test="$refusal or p:login/p:failed or p:logout/p:refused">Error: </xsl:if>
          <xsl:choose>
            <xsl:when test="$ctx/@page = 'new'"><xsl:apply-templates select="*" mode="new-title"/></xsl:when>
            <xsl:when test="$edit"><xsl:apply-templates select="*" mode="edit-title"/></xsl:when>
            <xsl:otherwise><xsl:apply-templates select="*" mode="title"/></xsl:otherwise>
          </xsl:choose>
          <xsl:text> - ITSM service desk</xsl:text>
        </title>
        <link rel="stylesheet" href="{$ctx/@static}/itsm.css"/>
      </head>
      <body>
        <a href="#main" class="skip-link">Skip to main content</a>
        <header class="site-header">
          <div class="width">
            <xsl:choose>
              <xsl:when test="$ctx/@base"><a class="site-name" href="{$base}/">ITSM service desk</a></xsl:when>
              <!-- the sign-in page knows no portal address (its context has no base; a portal
                   at the server's root has base ""): / may be nobody's page -->
              <xsl:otherwise><span class="site-name">ITSM service desk</span></xsl:otherwise>
            </xsl:choose>
            <xsl:if test="$ctx/p:who">
              <!-- sign-out is a POST with the session's token: a link elsewhere cannot end it -->
              <form class="signed-in" method="post" action="{$ctx/@logout}">
                <xsl:text>Signed in as </xsl:text>
                <strong><xsl:value-of select="$ctx/p:who/@name"/></strong>
                <xsl:if test="$ctx/p:who/@party-name">
                  <xsl:text> (</xsl:text><xsl:value-of select="$ctx/p:who/@party-name"/><xsl:text>)</xsl:text>
                </xsl:if>
                <xsl:text> </xsl:text>
                <input type="hidden" name="itsm-csrf" value="{$ctx/@sign-out-token}"/>
                <button type="submit" class="link-button">Sign out</button>
              </form>
            </xsl:if>
          </div>
          <xsl:if test="$ctx/p:nav">
            <nav class="site-nav" aria-label="Main">
              <ul class="width">
                <li><a href="{$base}/">Home</a></li>
                <xsl:for-each select="$ctx/p:nav/p:collection[not(@related-only)]">
                  <li>
                    <a>
                      <xsl:attribute name="href"><xsl:value-of select="concat($base, '/', @name, '?')"/><xsl:apply-templates select="." mode="list-query"/></xsl:attribute>
                      <xsl:if test="$ctx/@collection = @name"><xsl:attribute name="aria-current">page</xsl:attribute></xsl:if>
                      <xsl:apply-templates select="." mode="list-label"/>
                    </a>
                  </li>
                </xsl:for-each>
                <li><a href="{$base}/feeds/me">My updates</a></li>
                <li><a href="{$base}/me">My account</a></li>
              </ul>
            </nav>
          </xsl:if>
        </header>
        <xsl:for-each select="$ctx/p:view[p:item]">
          <section class="banner" aria-labelledby="banner-{position()}">
            <div class="width">
              <h2 id="banner-{position()}">
                <xsl:choose>
                  <xsl:when test="@kind = 'incident'">Major incident in progress</xsl:when>
                  <xsl:otherwise>Notice</xsl:otherwise>
                </xsl:choose>
              </h2>
              <ul>
                <xsl:for-each select="p:item">
                  <li>
                    <xsl:choose>
                      <xsl:when test="@readable = 'true'"><a href="{$base}/{@collection}/{@number}"><xsl:value-of select="@number"/></a></xsl:when>
                      <xsl:otherwise><xsl:value-of select="@number"/></xsl:otherwise>
                    </xsl:choose>
                    <xsl:text>: </xsl:text><xsl:value-of select="p:title"/>
                    <xsl:for-each select="p:field">
                      <span class="banner-field">
                        <xsl:text>. </xsl:text>
                        <xsl:apply-templates select="@name" mode="label-of"/>
                        <xsl:text>: </xsl:text>
                        <xsl:apply-templates select="." mode="value"/>
                      </span>
                    </xsl:for-each>
                  </li>
                </xsl:for-each>
              </ul>
            </div>
          </section>
        </xsl:for-each>
        <main id="main" class="width" tabindex="-1">
          <xsl:choose>
            <xsl:when test="$ctx/@page = 'new'"><xsl:apply-templates select="*" mode="new-page"/></xsl:when>
            <xsl:when test="$edit"><xsl:apply-templates select="*" mode="edit-page"/></xsl:when>
            <xsl:otherwise><xsl:apply-templates select="*" mode="page"/></xsl:otherwise>
          </xsl:choose>
        </main>
        <footer class="site-footer">
          <div class="width">
            <p>ITSM service desk. The same pages answer as XML to API clients (Accept: application/xml).</p>
          </div>
        </footer>
      </body>
    </html>
  </xsl:template>

  <xsl:template name="collection-label">
    <xsl:param name="c"/>
    <xsl:value-of select="translate(substring($c, 1, 1), 'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ')"/>
    <xsl:value-of select="translate(substring($c, 2), '-', ' ')"/>
  </xsl:template>

  <!-- ============================================================ small parts -->
  <!-- a field's label: camelCase and hyphens to words; processes override for their fields -->
  <xsl:template match="*" mode="label">
    <xsl:call-template name="words"><xsl:with-param name="s" select="local-name()"/></xsl:call-template>
  </xsl:template>
  <xsl:template match="@name" mode="label-of">
    <xsl:call-template name="words"><xsl:with-param name="s" select="."/></xsl:call-template>
  </xsl:template>
  <!-- a name as words: p:words() (the core's, in C) -->
  <xsl:template name="words">
    <xsl:param name="s"/>
    <xsl:value-of select="p:words(string($s))"/>
  </xsl:template>

  <!-- the same, its first letter in lower case, inside a sentence ("changed level") -->
  <xsl:template name="words-inside">
    <xsl:param name="s"/>
    <xsl:variable name="w" select="p:words(string($s))"/>
    <xsl:value-of select="concat(translate(substring($w, 1, 1), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'), substring($w, 2))"/>
  </xsl:template>

  <!-- an RFC 3339 UTC time as "2026-12-02 08:43 UTC" -->
  <xsl:template name="time">
    <xsl:param name="t"/>
    <xsl:if test="$t">
      <time datetime="{$t}">
        <xsl:value-of select="concat(substring($t, 1, 10), ' ', substring($t, 12, 5), ' UTC')"/>
      </time>
    </xsl:if>
  </xsl:template>

  <xsl:template match="* | p:field" mode="value">
    <xsl:choose>
      <xsl:when test="string-length(.) = 20 and substring(., 5, 1) = '-' and substring(., 11, 1) = 'T'">
        <xsl:call-template name="time"><xsl:with-param name="t" select="string(.)"/></xsl:call-template>
      </xsl:when>
      <xsl:when test=". = 'true'">Yes</xsl:when>
      <xsl:when test=". = 'false'">No</xsl:when>
      <xsl:otherwise><xsl:value-of select="."/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>
  <xsl:template match="*" mode="hint"/>

  <xsl:template name="state">
    <xsl:param name="s"/>
    <strong class="tag tag-state tag-{$s}"><xsl:value-of select="translate($s, '-', ' ')"/></strong>
  </xsl:template>

  <!-- SLA status: always a word, the colour only repeats it -->
  <xsl:template name="sla-status">
    <xsl:param name="s"/>
    <strong class="tag sla-{$s}">
      <xsl:choose>
        <xsl:when test="$s = 'in-sla'">Within target</xsl:when>
        <xsl:when test="$s = 'warning'">Near target</xsl:when>
        <xsl:when test="$s = 'breached'">Breached</xsl:when>
        <xsl:when test="$s = 'met'">Met</xsl:when>
        <xsl:when test="$s = 'missed'">Missed</xsl:when>
        <xsl:when test="$s = 'not-started'">Not started</xsl:when>
        <xsl:when test="$s = 'cancelled'">Cancelled</xsl:when>
        <xsl:otherwise>No target</xsl:otherwise>
      </xsl:choose>
    </strong>
  </xsl:template>

  <xsl:template name="hidden-token">
    <input type="hidden" name="itsm-csrf" value="{$ctx/@csrf}"/>
  </xsl:template>

  <!-- the refusal of a form, as a summary at the top of the page -->
  <xsl:template name="error-summary">
    <xsl:if test="$refusal">
      <div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1" autofocus="autofocus">
        <h2 id="error-summary-title">There is a problem</h2>
        <p>
          <xsl:choose>
            <xsl:when test="$refusal/i:error/i:code = 'precondition-failed'">
              Someone else changed this ticket while you were looking at it. Nothing of yours
              was saved: this page shows it as it is now. Check it, then send your change again.
            </xsl:when>
            <xsl:otherwise>
              <xsl:variable name="field" select="substring-before(substring-after($refusal/i:error/i:message, '&lt;'), '&gt;')"/>
              <xsl:choose>
                <!-- to the input the message names (a field of the kind or a common one); a
                     name the form has no input for (a field the process derives, a term's
                     key; an element of a body, <script>) sends to the form -->
                <xsl:when test="$field and ($ctx/p:kind/p:field[@name = $field][not(@read-only = 'true')]
                    or contains(' title description note priority assignee group ', concat(' ', $field, ' ')))">
                  <a href="#{$refusal/@action}-{$field}"><xsl:call-template name="refusal-text"/></a>
                </xsl:when>
                <xsl:otherwise>
                  <a href="#{$refusal/@action}-form"><xsl:call-template name="refusal-text"/></a>
                </xsl:otherwise>
              </xsl:choose>
            </xsl:otherwise>
          </xsl:choose>
        </p>
        <!-- a schema's refusal's detail is libxml2's text ("Element '{urn:...}title':
             [facet 'maxLength'] ..."): for an API client, not for a person; the message
             says it in words -->
        <xsl:if test="$refusal/i:error/i:detail and not($refusal/i:error/i:code = 'schema-invalid')">
          <p class="detail"><xsl:value-of select="$refusal/i:error/i:detail"/></p>
        </xsl:if>
      </div>
    </xsl:if>
  </xsl:template>

  <!-- the refusal's message in words: "<title> is required." is "Enter the subject" -->
  <xsl:template name="refusal-text">
    <xsl:variable name="msg" select="$refusal/i:error/i:message"/>
    <xsl:variable name="field" select="substring-before(substring-after($msg, '&lt;'), '&gt;')"/>
    <xsl:choose>
      <!-- and "'record-workaround' needs <workaround> in its document" (a process's words
           for a text its action asks for) is "Enter the workaround" -->
      <xsl:when test="$field and ((starts-with($msg, '&lt;') and contains($msg, '&gt; is required'))
                                  or contains($msg, concat(' needs &lt;', $field, '&gt;')))">
        <xsl:text>Enter the </xsl:text>
        <xsl:variable name="label"><xsl:call-template name="label-for"><xsl:with-param name="name" select="$field"/></xsl:call-template></xsl:variable>
        <xsl:value-of select="translate($label, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"/>
      </xsl:when>
      <!-- "<title> is longer than the 200 characters allowed." (a value the schema refuses,
           the core's words), "<level> must be from 1 to 4" (a field's check) is "Subject is
           longer than ...", "Level must be from 1 to 4"; a message naming other elements
           too ("<assignee> and <group> of ... are set by the service desk") is left whole -->
      <xsl:when test="$field and starts-with($msg, '&lt;') and not(contains(substring-after($msg, '&gt;'), '&lt;'))">
        <xsl:call-template name="label-for"><xsl:with-param name="name" select="$field"/></xsl:call-template>
        <xsl:value-of select="substring-after($msg, '&gt;')"/>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="$msg"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- one input of a form, with its label, hint, the refusal's message when it names the
       field, and the value posted before; an enum's choices are values (p:value) or options
       (names between spaces: a common field's, priority); common: a field every kind has
       (its hint: mode common-hint of p:kind) -->
  <xsl:template name="input">
    <xsl:param name="form"/>
    <xsl:param name="name"/>
    <xsl:param name="type" select="'text'"/>
    <xsl:param name="values" select="/.."/>
    <xsl:param name="options" select="''"/>
    <xsl:param name="common" select="false()"/>
    <xsl:param name="required" select="false()"/>
    <!-- on a "new" page: the first step's posted input, else the query's -->
    <xsl:param name="value" select="$ctx[@page = 'new']/p:posted[@name = $name] | $ctx[@page = 'new'][not(@step)]/p:arg[@name = $name]"/>
    <xsl:param name="label" select="''"/>
    <xsl:variable name="id" select="concat($form, '-', $name)"/>
    <!-- a stale version's refusal (412) of the details form shows the ticket as it is now,
         not the input: that form posts every field, so the input kept with the new version
         would write back the values someone else had just changed (an action's form posts
         only what was filled in: its input is kept) -->
    <xsl:variable name="mine" select="$refusal and $refusal/@action = $form
        and not($form = 'update' and $refusal/i:error/i:code = 'precondition-failed')"/>
    <xsl:variable name="posted" select="$refusal[@action = $form]/p:value[@name = $name]"/>
    <!-- the posted value after a refusal of this form, else the value (a string, not a
         result tree fragment: libxslt would build a document per input) -->
    <xsl:variable name="shown" select="concat(substring(string($posted), 1, string-length(string($posted)) * $mine),
        substring(string($value), 1, string-length(string($value)) * not($mine)))"/>
    <xsl:variable name="field" select="$ctx/p:kind/p:field[@name = $name]"/>
    <xsl:variable name="msg" select="$refusal/i:error/i:message"/>
    <xsl:variable name="det" select="$refusal/i:error/i:detail"/>
    <xsl:variable name="wrong" select="$mine and (contains($msg, concat('&lt;', $name, '&gt;'))
        or contains($det, concat('}', $name, &quot;'&quot;)) or contains($msg, concat(' ', $name, ' ')))"/>
    <!-- the field's hint, if its process gives one (a result tree fragment: only inputs with
         a hint name one) -->
    <xsl:variable name="hint"><xsl:call-template name="hint-for"><xsl:with-param name="name" select="$name"/><xsl:with-param name="id" select="$id"/><xsl:with-param name="field" select="$field"/><xsl:with-param name="common" select="$common"/></xsl:call-template></xsl:variable>
    <xsl:variable name="hinted" select="string($hint) != ''"/>
    <xsl:variable name="described" select="normalize-space(concat(substring(concat($id, '-hint'), 1, 1000 * $hinted), ' ',
        substring(concat($id, '-error'), 1, 1000 * $wrong)))"/>
    <div class="form-group{substring(' form-group-error', 1, 17 * $wrong)}">
      <label class="label" for="{$id}">
        <xsl:choose>
          <xsl:when test="string($label)"><xsl:value-of select="$label"/></xsl:when>
          <xsl:otherwise><xsl:call-template name="label-for"><xsl:with-param name="name" select="$name"/><xsl:with-param name="field" select="$field"/></xsl:call-template></xsl:otherwise>
        </xsl:choose>
        <xsl:if test="not($required)"> (optional)</xsl:if>
      </label>
      <xsl:if test="$hinted"><div class="hint-of" id="{$id}-hint"><xsl:copy-of select="$hint"/></div></xsl:if>
      <xsl:if test="$wrong">
        <p class="error-message" id="{$id}-error"><span class="visually-hidden">Error: </span><xsl:call-template name="refusal-text"/></p>
      </xsl:if>
      <xsl:choose>
        <xsl:when test="$type = 'long-text'">
          <textarea class="textarea" id="{$id}" name="{$name}" rows="5">
            <xsl:if test="$required"><xsl:attribute name="required">required</xsl:attribute></xsl:if>
            <xsl:if test="$described"><xsl:attribute name="aria-describedby"><xsl:value-of select="$described"/></xsl:attribute></xsl:if>
            <xsl:value-of select="$shown"/>
          </textarea>
        </xsl:when>
        <xsl:when test="$type = 'enum' or $type = 'boolean' or ($type = 'integer' and $values)">
          <select class="select" id="{$id}" name="{$name}">
            <xsl:if test="$required"><xsl:attribute name="required">required</xsl:attribute></xsl:if>
            <xsl:if test="$described"><xsl:attribute name="aria-describedby"><xsl:value-of select="$described"/></xsl:attribute></xsl:if>
            <!-- a required number chosen already (a problem's level on its details form)
                 offers no "(none)": the field cannot be cleared -->
            <xsl:if test="not($type = 'integer' and $field/@required = 'true' and string($shown))">
              <option value="">(none)</option>
            </xsl:if>
            <xsl:choose>
              <xsl:when test="$type = 'boolean'">
                <option value="true"><xsl:if test="$shown = 'true'"><xsl:attribute name="selected">selected</xsl:attribute></xsl:if>Yes</option>
                <option value="false"><xsl:if test="$shown = 'false'"><xsl:attribute name="selected">selected</xsl:attribute></xsl:if>No</option>
              </xsl:when>
              <xsl:otherwise>
                <xsl:for-each select="$values">
                  <option value="{.}"><xsl:if test=". = $shown"><xsl:attribute name="selected">selected</xsl:attribute></xsl:if><xsl:value-of select="."/></option>
                </xsl:for-each>
                <xsl:if test="$options">
                  <xsl:call-template name="options">
                    <xsl:with-param name="list" select="concat(normalize-space($options), ' ')"/>
                    <xsl:with-param name="current" select="$shown"/>
                  </xsl:call-template>
                </xsl:if>
              </xsl:otherwise>
            </xsl:choose>
          </select>
        </xsl:when>
        <xsl:otherwise>
          <input class="input" id="{$id}" name="{$name}" type="text" value="{$shown}">
            <xsl:if test="$required"><xsl:attribute name="required">required</xsl:attribute></xsl:if>
            <xsl:if test="$described"><xsl:attribute name="aria-describedby"><xsl:value-of select="$described"/></xsl:attribute></xsl:if>
          </input>
        </xsl:otherwise>
      </xsl:choose>
    </div>
  </xsl:template>

  <!-- labels and hints by name: processes add templates match="p:name[. = 'x']" mode="label" -->
  <xsl:template name="label-for">
    <xsl:param name="name"/>
    <xsl:param name="field" select="$ctx/p:kind/p:field[@name = $name]"/>
    <xsl:variable name="n" select="$field"/>
    <xsl:choose>
      <xsl:when test="$n"><xsl:apply-templates select="$n" mode="field-label"/></xsl:when>
      <xsl:otherwise>
        <xsl:call-template name="common-label"><xsl:with-param name="name" select="$name"/></xsl:call-template>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>
  <xsl:template name="common-label">
    <xsl:param name="name"/>
    <xsl:choose>
      <xsl:when test="$name = 'title'">Subject</xsl:when>
      <xsl:when test="$name = 'note'">Your message</xsl:when>
      <xsl:when test="$name = 'assignee'">Assign to (login)</xsl:when>
      <xsl:when test="$name = 'group'">Resolver group</xsl:when>
      <xsl:otherwise>
        <xsl:call-template name="words"><xsl:with-param name="s" select="$name"/></xsl:call-template>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>
  <xsl:template match="p:field" mode="field-label">
    <xsl:call-template name="words"><xsl:with-param name="s" select="@name"/></xsl:call-template>
  </xsl:template>
  <xsl:template name="hint-for">
    <xsl:param name="name"/>
    <xsl:param name="id"/>
    <xsl:param name="field" select="$ctx/p:kind/p:field[@name = $name]"/>
    <xsl:param name="common" select="false()"/>
    <xsl:apply-templates select="$field" mode="field-hint"/>
    <xsl:if test="$common">
      <xsl:apply-templates select="$ctx/p:kind" mode="common-hint"><xsl:with-param name="name" select="$name"/></xsl:apply-templates>
    </xsl:if>
  </xsl:template>
  <xsl:template match="p:field" mode="field-hint"/>
  <!-- the hint of a common field's input (priority, assignee, group) on a kind's forms -->
  <xsl:template match="p:kind" mode="common-hint"/>

  <!-- ======================================================== generic pages -->
  <xsl:template match="*" mode="title"><xsl:call-template name="words"><xsl:with-param name="s" select="local-name()"/></xsl:call-template></xsl:template>

  <xsl:template match="*" mode="page">
    <h1><xsl:apply-templates select="." mode="title"/></h1>
    <dl class="summary">
      <xsl:for-each select="*">
        <div class="summary-row">
          <dt><xsl:apply-templates select="." mode="label"/></dt>
          <dd><xsl:apply-templates select="." mode="value"/></dd>
        </div>
      </xsl:for-each>
    </dl>
  </xsl:template>

  <!-- the service document: home -->
  <xsl:template match="i:service" mode="title">Home</xsl:template>
  <xsl:template match="i:service" mode="page">
    <h1>Hello, <xsl:value-of select="$ctx/p:who/@name"/></h1>
    <xsl:variable name="can-create" select="$ctx/p:nav/p:collection[@create]"/>
    <xsl:if test="$can-create">
      <ul class="actions-list">
        <xsl:for-each select="$can-create">
          <li><a class="button" href="{$base}/{@name}/new"><xsl:apply-templates select="." mode="new-label"/></a></li>
        </xsl:for-each>
      </ul>
    </xsl:if>
    <xsl:apply-templates select="$ctx/p:nav/p:collection" mode="home-sections"/>
    <h2>Where to go</h2>
    <ul class="list">
      <xsl:apply-templates select="$ctx/p:nav/p:collection" mode="home-links"/>
      <xsl:for-each select="$ctx/p:nav/p:collection[not(@related-only)]">
        <li><a><xsl:attribute name="href"><xsl:value-of select="concat($base, '/', @name, '?')"/><xsl:apply-templates select="." mode="list-query"/></xsl:attribute><xsl:apply-templates select="." mode="list-label"/></a></li>
      </xsl:for-each>
      <xsl:for-each select="$ctx/p:view">
        <li><a href="{$base}/{@name}"><xsl:call-template name="words"><xsl:with-param name="s" select="translate(@name, '/', '-')"/></xsl:call-template></a></li>
      </xsl:for-each>
      <li><a href="{$base}/feeds/me">My updates</a></li>
    </ul>
  </xsl:template>
  <!-- links a process puts first on the home page for a collection (a work queue) -->
  <xsl:template match="p:collection" mode="home-links"/>
  <!-- sections a process puts on the home page before the links (a search form) -->
  <xsl:template match="p:collection" mode="home-sections"/>
  <!-- the query of a collection's link in the navigation: the latest changed first -->
  <xsl:template match="p:collection" mode="list-query">sort=-updated</xsl:template>
  <xsl:template match="p:collection" mode="new-label">New <xsl:value-of select="translate(@kind, '-', ' ')"/></xsl:template>
  <xsl:template match="p:collection" mode="list-label"><xsl:call-template name="collection-label"><xsl:with-param name="c" select="@name"/></xsl:call-template></xsl:template>

  <!-- a ticket -->
  <xsl:template match="*[i:number]" mode="title">
    <xsl:value-of select="i:number"/><xsl:text>: </xsl:text><xsl:value-of select="i:title"/>
  </xsl:template>

  <xsl:variable name="common" select="' number kind state party title description priority assignee group opened updated version createdBy publishedVersion note sla linked suggestions '"/>

  <xsl:template match="*[i:number]" mode="page">
    <xsl:call-template name="error-summary"/>
    <span class="caption"><xsl:value-of select="translate(local-name(), '-', ' ')"/><xsl:text> </xsl:text><xsl:value-of select="i:number"/></span>
    <h1><xsl:value-of select="i:title"/></h1>
    <dl class="summary">
      <div class="summary-row"><dt>Status</dt><dd><xsl:call-template name="state"><xsl:with-param name="s" select="i:state"/></xsl:call-template></dd></div>
      <div class="summary-row"><dt>Who holds it now</dt><dd><xsl:apply-templates select="." mode="holder"/></dd></div>
      <xsl:if test="i:priority"><div class="summary-row"><dt>Priority</dt><dd><xsl:value-of select="i:priority"/></dd></div></xsl:if>
      <div class="summary-row"><dt>Raised</dt><dd><xsl:call-template name="time"><xsl:with-param name="t" select="i:opened"/></xsl:call-template> by <xsl:value-of select="i:createdBy"/></dd></div>
      <div class="summary-row"><dt>Last changed</dt><dd><xsl:call-template name="time"><xsl:with-param name="t" select="i:updated"/></xsl:call-template></dd></div>
      <div class="summary-row"><dt>Party</dt><dd><xsl:value-of select="i:party"/></dd></div>
      <xsl:apply-templates select="." mode="next-step"/>
    </dl>
    <xsl:if test="i:description">
      <h2>Description</h2>
      <p class="text-block"><xsl:value-of select="i:description"/></p>
    </xsl:if>
    <xsl:if test="i:sla/i:target">
      <h2>Service level</h2>
      <xsl:apply-templates select="i:sla" mode="table"/>
    </xsl:if>
    <!-- the tickets it names that the caller may open (p:ref) are rows of their own, last -->
    <xsl:variable name="refs" select="$ctx/p:ref"/>
    <xsl:variable name="extra" select="*[not(contains($common, concat(' ', local-name(), ' '))) and not(local-name() = $refs/@name)]"/>
    <xsl:if test="$extra or $refs">
      <h2>Details</h2>
      <dl class="summary">
        <xsl:for-each select="$extra">
          <div class="summary-row">
            <dt><xsl:apply-templates select="." mode="label"/></dt>
            <dd><xsl:apply-templates select="." mode="value"/></dd>
          </div>
        </xsl:for-each>
        <xsl:apply-templates select="$refs" mode="ref"><xsl:with-param name="t" select="."/></xsl:apply-templates>
      </dl>
    </xsl:if>
    <xsl:apply-templates select="i:linked"/>
    <xsl:apply-templates select="i:suggestions[i:suggestion]"/>
    <xsl:apply-templates select="." mode="actions"/>
    <xsl:apply-templates select="." mode="more-actions"/>
    <xsl:apply-templates select="$ctx/p:part[@name = 'links']/i:links[i:link]" mode="links"/>
    <xsl:apply-templates select="$ctx/p:part[@name = 'journal']/i:journal" mode="history"/>
  </xsl:template>

  <!-- a ticket that the ticket t names in a field and the caller may open (an article a
       case was closed with): its number a link to its page, and its title, as a suggestion's -->
  <xsl:template match="p:ref" mode="ref">
    <xsl:param name="t"/>
    <div class="summary-row">
      <dt><xsl:apply-templates select="$t/*[local-name() = current()/@name]" mode="label"/></dt>
      <dd><a href="{$base}/{@collection}/{@number}"><xsl:value-of select="@number"/></a><xsl:text>: </xsl:text><xsl:value-of select="p:title"/></dd>
    </div>
  </xsl:template>

  <!-- what a linked ticket's rule shows of it (an incident: its problem's title, state and
       workaround), if the reader may see it -->
  <xsl:template match="i:linked">
    <xsl:variable name="c" select="$ctx/p:nav/p:collection[@kind = current()/@kind]"/>
    <h2>
      <xsl:call-template name="words"><xsl:with-param name="s" select="@type"/></xsl:call-template>
      <xsl:text> </xsl:text><xsl:value-of select="translate(@kind, '-', ' ')"/><xsl:text> </xsl:text>
      <xsl:choose>
        <xsl:when test="$c"><a href="{$base}/{$c/@name}/{@number}"><xsl:value-of select="@number"/></a></xsl:when>
        <xsl:otherwise><xsl:value-of select="@number"/></xsl:otherwise>
      </xsl:choose>
    </h2>
    <dl class="summary">
      <xsl:for-each select="*">
        <div class="summary-row">
          <dt><xsl:apply-templates select="." mode="label"/></dt>
          <dd>
            <xsl:choose>
              <xsl:when test="self::i:state"><xsl:call-template name="state"><xsl:with-param name="s" select="."/></xsl:call-template></xsl:when>
              <xsl:otherwise><xsl:apply-templates select="." mode="value"/></xsl:otherwise>
            </xsl:choose>
          </dd>
        </div>
      </xsl:for-each>
    </dl>
  </xsl:template>

  <!-- tickets of other kinds a new ticket may be about (known errors for a new case or
       incident), shown to its agents -->
  <xsl:template match="i:suggestions">
    <h2>
      <xsl:choose>
        <xsl:when test="not(i:suggestion[@kind != 'problem'])">Known errors that may match</xsl:when>
        <xsl:otherwise>Tickets it may be about</xsl:otherwise>
      </xsl:choose>
    </h2>
    <ul class="list">
      <xsl:for-each select="i:suggestion">
        <xsl:variable name="c" select="$ctx/p:nav/p:collection[@kind = current()/@kind]"/>
        <li>
          <xsl:choose>
            <xsl:when test="$c"><a href="{$base}/{$c/@name}/{@number}"><xsl:value-of select="@number"/></a></xsl:when>
            <xsl:otherwise><xsl:value-of select="@number"/></xsl:otherwise>
          </xsl:choose>
          <xsl:text>: </xsl:text><xsl:value-of select="@title"/>
        </li>
      </xsl:for-each>
    </ul>
  </xsl:template>

  <!-- forms a process adds after the actions (a link, a vote) -->
  <xsl:template match="*" mode="more-actions"/>

  <!-- who holds a ticket: its assignee and group; one given neither is with whoever works
       such tickets first (unassigned: the service desk, unless its process says otherwise);
       a finished one (a final state of its kind) is held by nobody, and says whom it was
       with. A process may say it for its kind (mode holder: a problem unassigned is with
       problem management, a case passed to another party's desk with that desk); a list row
       asks the same templates as the ticket's page, so the two say the same -->
  <xsl:variable name="final-states" select="concat(' ', $ctx/p:kind/@final-states, ' ')"/>
  <xsl:template match="*" mode="holder" name="holder">
    <xsl:param name="unassigned" select="'The service desk'"/>
    <xsl:choose>
      <xsl:when test="i:state and contains($final-states, concat(' ', i:state, ' '))">
        <xsl:text>Nobody: it is </xsl:text><xsl:value-of select="translate(i:state, '-', ' ')"/>
        <xsl:if test="i:assignee or i:group">
          <xsl:text>; last held by </xsl:text><xsl:call-template name="assigned"/>
        </xsl:if>
      </xsl:when>
      <xsl:when test="i:assignee or i:group"><xsl:call-template name="assigned"/></xsl:when>
      <xsl:otherwise><xsl:value-of select="$unassigned"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>
  <xsl:template name="assigned">
    <xsl:choose>
      <xsl:when test="i:assignee"><xsl:value-of select="i:assignee"/><xsl:if test="i:group"> (<xsl:value-of select="i:group"/>)</xsl:if></xsl:when>
      <xsl:otherwise><xsl:value-of select="i:group"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>
  <xsl:template match="*" mode="next-step"/>

  <!-- the actions the caller may take now: exactly those in the context -->
  <xsl:template match="*" mode="actions">
    <xsl:variable name="t" select="."/>
    <xsl:variable name="acts" select="$ctx/p:actions/p:action[@name != 'update' and @name != 'link']"/>
    <xsl:if test="$acts">
      <h2>What you can do</h2>
      <xsl:for-each select="$acts">
        <xsl:variable name="name" select="@name"/>
        <form class="action-form" method="post" action="{$base}/{$ctx/@collection}/{$t/i:number}/actions/{$name}" id="{$name}-form">
          <xsl:call-template name="hidden-token"/>
          <input type="hidden" name="itsm-version" value="{$t/i:version}"/>
          <fieldset class="fieldset">
            <legend class="legend"><xsl:apply-templates select="." mode="action-label"/></legend>
            <xsl:apply-templates select="$t" mode="action-fields"><xsl:with-param name="action" select="$name"/></xsl:apply-templates>
            <button type="submit" class="button"><xsl:apply-templates select="." mode="action-label"/></button>
          </fieldset>
        </form>
      </xsl:for-each>
    </xsl:if>
    <xsl:if test="$ctx/p:actions/p:action[@name = 'update']">
      <p class="change-details"><a class="link" id="update-link" href="{$ctx/@path}?edit=details">Change the details<span class="visually-hidden"> of <xsl:value-of select="$t/i:number"/></span></a></p>
    </xsl:if>
  </xsl:template>

  <!-- the details' form, on a page of its own (?edit=details, or the update form's refusal):
       a ticket's page shows the details read-only with a link here, so the form's inputs
       are built only when someone asks to change them -->
  <xsl:template match="*[i:number]" mode="edit-title">
    <xsl:text>Change the details of </xsl:text><xsl:value-of select="i:number"/>
  </xsl:template>
  <xsl:template match="*" mode="edit-title"><xsl:apply-templates select="." mode="title"/></xsl:template>
  <xsl:template match="*" mode="edit-page"><xsl:apply-templates select="." mode="page"/></xsl:template>
  <xsl:template match="*[i:number]" mode="edit-page">
    <xsl:variable name="t" select="."/>
    <xsl:call-template name="error-summary"/>
    <span class="caption"><xsl:value-of select="translate(local-name(), '-', ' ')"/><xsl:text> </xsl:text><xsl:value-of select="i:number"/></span>
    <h1>Change the details</h1>
    <p><xsl:value-of select="i:title"/></p>
    <!-- the common fields its process offers besides title and description (mode
         update-common: priority, assignee, group), between spaces -->
    <xsl:variable name="offers"><xsl:apply-templates select="." mode="update-common"/></xsl:variable>
    <xsl:variable name="offered" select="concat(' ', normalize-space($offers), ' ')"/>
    <!-- the fields the caller may not change now (the core's dry run of the process's update
         with each field changed: p:fixed; a common one only if the form offers it) are
         shown, not offered as inputs -->
    <xsl:variable name="fixed" select="$ctx/p:actions/p:action[@name = 'update']/p:fixed[not(@common) or contains($offered, concat(' ', @name, ' '))]"/>
    <xsl:if test="$fixed">
      <h2>Not yours to change</h2>
      <dl class="summary" id="fixed-details">
        <xsl:for-each select="$fixed">
          <xsl:variable name="v" select="$t/*[local-name() = current()/@name]"/>
          <div class="summary-row">
            <dt><xsl:call-template name="label-for"><xsl:with-param name="name" select="@name"/></xsl:call-template></dt>
            <dd>
              <xsl:choose>
                <xsl:when test="$v"><xsl:apply-templates select="$v" mode="value"/></xsl:when>
                <xsl:otherwise>Not given</xsl:otherwise>
              </xsl:choose>
            </dd>
          </div>
        </xsl:for-each>
      </dl>
      <xsl:for-each select="$fixed[string(.) and not(. = preceding-sibling::p:fixed)]">
        <p class="hint"><xsl:value-of select="."/></p>
      </xsl:for-each>
    </xsl:if>
    <form method="post" action="{$base}/{$ctx/@collection}/{$t/i:number}" id="update-form">
      <xsl:call-template name="hidden-token"/>
      <input type="hidden" name="itsm-version" value="{$t/i:version}"/>
      <xsl:if test="not($fixed[@name = 'title'])">
        <xsl:call-template name="input">
          <xsl:with-param name="form" select="'update'"/><xsl:with-param name="name" select="'title'"/>
          <xsl:with-param name="value" select="$t/i:title"/><xsl:with-param name="required" select="true()"/>
        </xsl:call-template>
      </xsl:if>
      <xsl:if test="not($fixed[@name = 'description'])">
        <xsl:call-template name="input">
          <xsl:with-param name="form" select="'update'"/><xsl:with-param name="name" select="'description'"/>
          <xsl:with-param name="type" select="'long-text'"/><xsl:with-param name="value" select="$t/i:description"/>
        </xsl:call-template>
      </xsl:if>
      <xsl:apply-templates select="$ctx/p:kind/p:field[not(@read-only) and not(@create-only) and not(@name = $fixed/@name)]" mode="update-input">
        <xsl:with-param name="t" select="$t"/>
      </xsl:apply-templates>
      <xsl:if test="contains($offered, ' priority ') and not($fixed[@name = 'priority'])">
        <xsl:call-template name="priority-input">
          <xsl:with-param name="form" select="'update'"/><xsl:with-param name="value" select="$t/i:priority"/>
        </xsl:call-template>
      </xsl:if>
      <xsl:if test="contains($offered, ' assignee ') and not($fixed[@name = 'assignee'])">
        <xsl:call-template name="input">
          <xsl:with-param name="form" select="'update'"/><xsl:with-param name="name" select="'assignee'"/>
          <xsl:with-param name="value" select="$t/i:assignee"/><xsl:with-param name="common" select="true()"/>
        </xsl:call-template>
      </xsl:if>
      <xsl:if test="contains($offered, ' group ') and not($fixed[@name = 'group'])">
        <xsl:call-template name="input">
          <xsl:with-param name="form" select="'update'"/><xsl:with-param name="name" select="'group'"/>
          <xsl:with-param name="value" select="$t/i:group"/><xsl:with-param name="common" select="true()"/>
        </xsl:call-template>
      </xsl:if>
      <button type="submit" class="button">Save changes</button>
    </form>
    <p><a class="link" href="{$ctx/@path}">Back without saving<span class="visually-hidden">: <xsl:value-of select="i:number"/></span></a></p>
  </xsl:template>

  <!-- the common fields (priority, assignee, group) a kind's details form offers besides
       title and description, as names between spaces: none by default (an incident's
       priority follows from triage, its assignee and group from assign and route); a
       process whose plain update sets them names them (a problem) -->
  <xsl:template match="*" mode="update-common"/>
  <!-- a choice of priority (the schema's itsm:Priority), on a form that offers it -->
  <xsl:template name="priority-input">
    <xsl:param name="form"/>
    <!-- as the input's own: on a "new" page, the posted or asked one -->
    <xsl:param name="value" select="$ctx[@page = 'new']/p:posted[@name = 'priority'] | $ctx[@page = 'new'][not(@step)]/p:arg[@name = 'priority']"/>
    <xsl:call-template name="input">
      <xsl:with-param name="form" select="$form"/><xsl:with-param name="name" select="'priority'"/>
      <xsl:with-param name="type" select="'enum'"/><xsl:with-param name="options" select="'P1 P2 P3 P4 P5'"/>
      <xsl:with-param name="value" select="$value"/><xsl:with-param name="common" select="true()"/>
    </xsl:call-template>
  </xsl:template>

  <!-- one input of the form that changes the details (a process leaves out the fields its
       actions record) -->
  <xsl:template match="p:field" mode="update-input">
    <xsl:param name="t"/>
    <xsl:variable name="fname" select="@name"/>
    <xsl:call-template name="input">
      <xsl:with-param name="form" select="'update'"/><xsl:with-param name="name" select="@name"/>
      <xsl:with-param name="type" select="@type"/><xsl:with-param name="values" select="p:value"/>
      <xsl:with-param name="value" select="$t/*[local-name() = $fname]"/>
    </xsl:call-template>
  </xsl:template>

  <!-- a ticket's SLA targets: each clock's status in words and its due time -->
  <xsl:template match="i:sla" mode="table">
    <table class="table">
      <caption class="visually-hidden">Service level targets</caption>
      <thead><tr><th scope="col">Target</th><th scope="col">Status</th><th scope="col">Due</th></tr></thead>
      <tbody>
        <xsl:for-each select="i:target">
          <tr>
            <td><xsl:call-template name="words"><xsl:with-param name="s" select="@kind"/></xsl:call-template></td>
            <td><xsl:call-template name="sla-status"><xsl:with-param name="s" select="@status"/></xsl:call-template><xsl:if test="@paused = 'true'"> (paused)</xsl:if></td>
            <td><xsl:call-template name="time"><xsl:with-param name="t" select="@due"/></xsl:call-template></td>
          </tr>
        </xsl:for-each>
      </tbody>
    </table>
  </xsl:template>

  <!-- a ticket's sub-resources on pages of their own (GET .../journal, .../links, .../sla),
       as its page shows them, with a link back to it -->
  <xsl:template name="back-to-ticket">
    <xsl:param name="number"/>
    <p><a class="link" href="{$base}/{$ctx/@collection}/{$number}">Back to <xsl:value-of select="$number"/></a></p>
  </xsl:template>
  <xsl:template match="i:journal[@number]" mode="title">History of <xsl:value-of select="@number"/></xsl:template>
  <xsl:template match="i:journal[@number]" mode="page">
    <h1><xsl:apply-templates select="." mode="title"/></h1>
    <xsl:call-template name="back-to-ticket"><xsl:with-param name="number" select="@number"/></xsl:call-template>
    <xsl:apply-templates select="." mode="history"/>
  </xsl:template>
  <xsl:template match="i:links[@number]" mode="title">Links of <xsl:value-of select="@number"/></xsl:template>
  <xsl:template match="i:links[@number]" mode="page">
    <h1><xsl:apply-templates select="." mode="title"/></h1>
    <xsl:call-template name="back-to-ticket"><xsl:with-param name="number" select="@number"/></xsl:call-template>
    <xsl:choose>
      <xsl:when test="i:link"><xsl:apply-templates select="." mode="links"/></xsl:when>
      <xsl:otherwise><p>No links.</p></xsl:otherwise>
    </xsl:choose>
  </xsl:template>
  <xsl:template match="i:sla[@number]" mode="title">Service level of <xsl:value-of select="@number"/></xsl:template>
  <xsl:template match="i:sla[@number]" mode="page">
    <h1><xsl:apply-templates select="." mode="title"/></h1>
    <xsl:call-template name="back-to-ticket"><xsl:with-param name="number" select="@number"/></xsl:call-template>
    <xsl:choose>
      <xsl:when test="i:target"><xsl:apply-templates select="." mode="table"/></xsl:when>
      <xsl:otherwise><p>No service level targets.</p></xsl:otherwise>
    </xsl:choose>
  </xsl:template>
  <!-- counts by a field (GET /{collection}/stats?by=...) -->
  <xsl:template match="i:stats" mode="title">
    <xsl:call-template name="collection-label"><xsl:with-param name="c" select="@collection"/></xsl:call-template>
    <xsl:if test="@by"> by <xsl:call-template name="words"><xsl:with-param name="s" select="@by"/></xsl:call-template></xsl:if>
  </xsl:template>
  <xsl:template match="i:stats" mode="page">
    <h1><xsl:apply-templates select="." mode="title"/></h1>
    <p>As at <xsl:call-template name="time"><xsl:with-param name="t" select="@at"/></xsl:call-template>.</p>
    <table class="table">
      <caption class="visually-hidden">Counts</caption>
      <thead><tr><th scope="col">Group</th><th scope="col">Tickets</th><th scope="col">Open</th></tr></thead>
      <tbody>
        <xsl:for-each select="i:group">
          <tr><td><xsl:value-of select="@key"/></td><td><xsl:value-of select="@count"/></td><td><xsl:value-of select="@open"/></td></tr>
        </xsl:for-each>
      </tbody>
    </table>
  </xsl:template>

  <!-- the tickets linked to this one (those the caller may see) -->
  <xsl:template match="i:links" mode="links">
    <h2>Linked</h2>
    <table class="table">
      <caption class="visually-hidden">Linked tickets</caption>
      <thead><tr><th scope="col">Link</th><th scope="col">Ticket</th><th scope="col">Since</th></tr></thead>
      <tbody>
        <xsl:for-each select="i:link">
          <xsl:variable name="c" select="$ctx/p:nav/p:collection[@kind = current()/@kind]"/>
          <tr>
            <td><xsl:apply-templates select="." mode="link-label"/></td>
            <td>
              <xsl:choose>
                <xsl:when test="$c"><a href="{$base}/{$c/@name}/{@number}"><xsl:value-of select="@number"/></a></xsl:when>
                <xsl:otherwise><xsl:value-of select="@number"/></xsl:otherwise>
              </xsl:choose>
              <xsl:text> (</xsl:text><xsl:value-of select="translate(@kind, '-', ' ')"/><xsl:text>)</xsl:text>
            </td>
            <td><xsl:call-template name="time"><xsl:with-param name="t" select="@at"/></xsl:call-template></td>
          </tr>
        </xsl:for-each>
      </tbody>
    </table>
  </xsl:template>
  <xsl:template match="i:link" mode="link-label">
    <xsl:call-template name="words"><xsl:with-param name="s" select="@type"/></xsl:call-template>
    <xsl:if test="@direction = 'in'"> (from it)</xsl:if>
  </xsl:template>

  <xsl:template match="p:action" mode="action-label">
    <xsl:call-template name="words"><xsl:with-param name="s" select="@name"/></xsl:call-template>
  </xsl:template>

  <xsl:template match="*" mode="action-fields">
    <xsl:param name="action"/>
    <xsl:call-template name="input">
      <xsl:with-param name="form" select="$action"/><xsl:with-param name="name" select="'note'"/>
      <xsl:with-param name="type" select="'long-text'"/>
    </xsl:call-template>
  </xsl:template>

  <!-- the history, oldest first, in plain words -->
  <xsl:template match="i:journal" mode="history">
    <h2>History</h2>
    <ol class="timeline">
      <xsl:for-each select="i:entry">
        <li class="timeline-entry">
          <p class="timeline-head">
            <xsl:call-template name="time"><xsl:with-param name="t" select="@at"/></xsl:call-template>
            <xsl:text>: </xsl:text>
            <xsl:apply-templates select="." mode="entry"/>
          </p>
          <xsl:if test="i:note"><p class="text-block timeline-note"><xsl:value-of select="i:note"/></p></xsl:if>
        </li>
      </xsl:for-each>
    </ol>
  </xsl:template>

  <xsl:template match="i:entry" mode="entry">
    <!-- what a change or a link touched, beside the status and the holder said below -->
    <xsl:variable name="fields" select="i:change[not(starts-with(@field, 'link:')) and @field != 'state' and @field != 'assignee']"/>
    <strong><xsl:value-of select="@actor"/></strong>
    <xsl:text> </xsl:text>
    <xsl:choose>
      <xsl:when test="@action = 'create'">raised it</xsl:when>
      <xsl:when test="@action = 'update' and $fields">
        <xsl:text>changed </xsl:text>
        <xsl:for-each select="$fields">
          <xsl:if test="position() > 1">, </xsl:if>
          <xsl:call-template name="words-inside"><xsl:with-param name="s" select="@field"/></xsl:call-template>
          <!-- short values in words (a level, a priority, a service), not a text's -->
          <xsl:if test="string-length(i:old) &lt;= 40 and string-length(i:new) &lt;= 40 and not(contains(concat(i:old, i:new), '&#10;'))">
            <xsl:text> from </xsl:text>
            <xsl:choose><xsl:when test="string(i:old)"><xsl:value-of select="i:old"/></xsl:when><xsl:otherwise>none</xsl:otherwise></xsl:choose>
            <xsl:text> to </xsl:text>
            <xsl:choose><xsl:when test="string(i:new)"><xsl:value-of select="i:new"/></xsl:when><xsl:otherwise>none</xsl:otherwise></xsl:choose>
          </xsl:if>
        </xsl:for-each>
      </xsl:when>
      <xsl:when test="@action = 'update'">changed it</xsl:when>
      <xsl:when test="(@action = 'link' or @action = 'unlink') and i:change[starts-with(@field, 'link:')]">
        <xsl:for-each select="i:change[starts-with(@field, 'link:')]">
          <xsl:if test="position() > 1">; </xsl:if>
          <xsl:choose>
            <xsl:when test="string(i:new)">linked <xsl:value-of select="i:new"/></xsl:when>
            <xsl:otherwise>unlinked <xsl:value-of select="i:old"/></xsl:otherwise>
          </xsl:choose>
          <xsl:text> (</xsl:text>
          <xsl:call-template name="words-inside"><xsl:with-param name="s" select="substring-after(@field, 'link:')"/></xsl:call-template>
          <xsl:text>)</xsl:text>
        </xsl:for-each>
      </xsl:when>
      <xsl:when test="@action = 'link'">linked it</xsl:when>
      <xsl:when test="@action = 'sla-warning'">(service level warning)</xsl:when>
      <xsl:when test="@action = 'sla-breach'">(service level breached)</xsl:when>
      <xsl:otherwise><xsl:call-template name="words"><xsl:with-param name="s" select="@action"/></xsl:call-template></xsl:otherwise>
    </xsl:choose>
    <xsl:if test="i:change[@field = 'state']">
      <xsl:text>; the status became </xsl:text>
      <xsl:value-of select="translate(i:change[@field = 'state']/i:new, '-', ' ')"/>
    </xsl:if>
    <xsl:if test="i:change[@field = 'assignee']/i:new">
      <xsl:text>; now held by </xsl:text><xsl:value-of select="i:change[@field = 'assignee']/i:new"/>
    </xsl:if>
  </xsl:template>

  <!-- the form of a new ticket, from the kind's declared fields -->
  <xsl:template match="*" mode="new-title">
    <xsl:text>New </xsl:text><xsl:value-of select="translate($ctx/p:kind/@name, '-', ' ')"/>
  </xsl:template>
  <xsl:template match="*" mode="new-page">
    <xsl:variable name="from"><xsl:apply-templates select="." mode="suggest-from"/></xsl:variable>
    <xsl:variable name="found" select="$ctx/p:part[@name = 'suggestions']/i:list"/>
    <xsl:call-template name="error-summary"/>
    <h1><xsl:apply-templates select="." mode="new-title"/></h1>
    <xsl:choose>
      <!-- first submit: ask for what may answer it before it is raised -->
      <xsl:when test="string($from) and not($ctx/@step) and not($refusal)">
        <!-- a POST to .../new (what a person writes stays out of URLs); while typing the
             subject, itsm-suggest.js offers the search's results here and turns the form into
             the second step (posting to the collection): see docs/portal.md -->
        <div id="suggest-live" class="suggestions suggestions-live" aria-live="polite">
          <xsl:attribute name="data-found"><xsl:apply-templates select="." mode="suggest-heading"/></xsl:attribute>
          <xsl:attribute name="data-none">Nothing matched yet</xsl:attribute>
          <xsl:attribute name="data-after">If none of them helps, carry on: your case is sent with the button below.</xsl:attribute>
        </div>
        <form method="post" action="{$base}/{$ctx/p:kind/@collection}/new" id="create-form" novalidate="novalidate"
              data-suggest="{$base}/{$from}" data-suggest-region="suggest-live" data-post="{$base}/{$ctx/p:kind/@collection}">
          <xsl:call-template name="hidden-token"/>
          <input type="hidden" name="suggest" value="{$from}"/>
          <xsl:apply-templates select="." mode="new"/>
          <button type="submit" class="button" data-post-label="Send">Continue</button>
        </form>
        <script src="{$ctx/@static}/itsm-suggest.js" defer="defer"></script>
      </xsl:when>
      <xsl:otherwise>
        <xsl:apply-templates select="$found" mode="suggestions"/>
        <form method="post" action="{$base}/{$ctx/p:kind/@collection}" id="create-form" novalidate="novalidate">
          <xsl:call-template name="hidden-token"/>
          <xsl:apply-templates select="." mode="new"/>
          <button type="submit" class="button">Send</button>
        </form>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>
  <!-- the collection whose search a new ticket's first submit offers (its POST to .../new): none -->
  <xsl:template match="*" mode="suggest-from"/>
  <!-- the heading of what the script offers while typing -->
  <xsl:template match="*" mode="suggest-heading">These may answer your question</xsl:template>
  <xsl:template match="i:list" mode="suggestions"/>
  <xsl:template match="*" mode="new">
    <xsl:call-template name="input">
      <xsl:with-param name="form" select="'create'"/><xsl:with-param name="name" select="'title'"/>
      <xsl:with-param name="required" select="true()"/>
    </xsl:call-template>
    <xsl:call-template name="input">
      <xsl:with-param name="form" select="'create'"/><xsl:with-param name="name" select="'description'"/>
      <xsl:with-param name="type" select="'long-text'"/>
    </xsl:call-template>
    <xsl:for-each select="$ctx/p:kind/p:field[not(@read-only)]">
      <xsl:call-template name="input">
        <xsl:with-param name="form" select="'create'"/><xsl:with-param name="name" select="@name"/>
        <xsl:with-param name="type" select="@type"/><xsl:with-param name="values" select="p:value"/>
        <xsl:with-param name="required" select="@required = 'true'"/>
      </xsl:call-template>
    </xsl:for-each>
  </xsl:template>

  <!-- a field of type xhtml (an article's body): the core's safe subset of XHTML, element
       by element (only <a> carries an attribute, href, whose scheme the core checked) -->
  <xsl:template match="i:p | i:h2 | i:h3 | i:h4 | i:ul | i:ol | i:li | i:pre | i:code | i:em | i:strong | i:br | i:td | i:th" mode="xhtml">
    <xsl:element name="{local-name()}"><xsl:apply-templates mode="xhtml"/></xsl:element>
  </xsl:template>
  <xsl:template match="i:table" mode="xhtml">
    <table class="table"><tbody><xsl:apply-templates mode="xhtml"/></tbody></table>
  </xsl:template>
  <xsl:template match="i:tr" mode="xhtml"><tr><xsl:apply-templates mode="xhtml"/></tr></xsl:template>
  <xsl:template match="i:a" mode="xhtml">
    <a href="{@href}"><xsl:apply-templates mode="xhtml"/></a>
  </xsl:template>
  <xsl:template match="*" mode="xhtml"><xsl:apply-templates mode="xhtml"/></xsl:template>
  <xsl:template match="text()" mode="xhtml"><xsl:value-of select="."/></xsl:template>

  <!-- the published versions of a versioned ticket (GET .../versions), each linked to its
       page, the current one marked -->
  <xsl:template match="i:versions" mode="title">
    <xsl:text>Versions of </xsl:text><xsl:value-of select="@number"/>
  </xsl:template>
  <xsl:template match="i:versions" mode="page">
    <p><a href="{$base}/{$ctx/@collection}/{@number}">Back to <xsl:value-of select="@number"/></a></p>
    <h1><xsl:apply-templates select="." mode="title"/></h1>
    <xsl:choose>
      <xsl:when test="i:version">
        <table class="table">
          <caption class="visually-hidden">Published versions of <xsl:value-of select="@number"/></caption>
          <thead>
            <tr><th scope="col">Version</th><th scope="col">Title</th><th scope="col">Published</th><th scope="col">By</th></tr>
          </thead>
          <tbody>
            <xsl:variable name="href" select="concat($base, '/', $ctx/@collection, '/', @number, '/versions/')"/>
            <xsl:for-each select="i:version">
              <tr>
                <td><a href="{$href}{@n}">Version <xsl:value-of select="@n"/></a><xsl:if test="@current = 'true'"> (current)</xsl:if></td>
                <td><xsl:value-of select="."/></td>
                <td><xsl:call-template name="time"><xsl:with-param name="t" select="@at"/></xsl:call-template></td>
                <td><xsl:value-of select="@actor"/></td>
              </tr>
            </xsl:for-each>
          </tbody>
        </table>
      </xsl:when>
      <xsl:otherwise><p>No version has been published.</p></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- what changed between two versions of a ticket (GET .../versions/{n}?diff={m}): each
       field that differs, its paragraphs in order, removed and added ones marked in words
       and by strike-through and underline, not by colour alone -->
  <xsl:template match="i:versionDiff" mode="title">
    <xsl:text>Changes to </xsl:text><xsl:value-of select="@number"/>
  </xsl:template>
  <xsl:template match="i:versionDiff" mode="page">
    <xsl:variable name="diff" select="."/>
    <p><a href="{$base}/{$ctx/@collection}/{@number}">Back to <xsl:value-of select="@number"/></a></p>
    <h1><xsl:apply-templates select="." mode="title"/></h1>
    <p>
      <xsl:text>From </xsl:text>
      <xsl:call-template name="version-name"><xsl:with-param name="v" select="@from"/></xsl:call-template>
      <xsl:text> to </xsl:text>
      <xsl:call-template name="version-name"><xsl:with-param name="v" select="@to"/></xsl:call-template>
      <xsl:text>.</xsl:text>
    </p>
    <xsl:choose>
      <xsl:when test="i:field">
        <p class="hint">Paragraphs marked <strong>Removed</strong> (struck through) are only in <xsl:call-template name="version-name"><xsl:with-param name="v" select="@from"/></xsl:call-template>; those marked <strong>Added</strong> (underlined) only in <xsl:call-template name="version-name"><xsl:with-param name="v" select="@to"/></xsl:call-template>.</p>
        <xsl:for-each select="i:field">
          <section class="diff" aria-labelledby="diff-{position()}">
            <h2 id="diff-{position()}">
              <xsl:variable name="f" select="$ctx/p:kind/p:field[@name = current()/@name]"/>
              <xsl:choose>
                <xsl:when test="$f"><xsl:apply-templates select="$f" mode="field-label"/></xsl:when>
                <xsl:otherwise><xsl:call-template name="words"><xsl:with-param name="s" select="@name"/></xsl:call-template></xsl:otherwise>
              </xsl:choose>
            </h2>
            <xsl:for-each select="*">
              <xsl:choose>
                <xsl:when test="self::i:removed">
                  <div class="diff-block diff-removed">
                    <p class="diff-tag">Removed</p>
                    <del><xsl:apply-templates select="node()" mode="diff-block"/></del>
                  </div>
                </xsl:when>
                <xsl:when test="self::i:added">
                  <div class="diff-block diff-added">
                    <p class="diff-tag">Added</p>
                    <ins><xsl:apply-templates select="node()" mode="diff-block"/></ins>
                  </div>
                </xsl:when>
                <xsl:otherwise>
                  <div class="diff-block diff-same"><xsl:apply-templates select="node()" mode="diff-block"/></div>
                </xsl:otherwise>
              </xsl:choose>
            </xsl:for-each>
          </section>
        </xsl:for-each>
      </xsl:when>
      <xsl:otherwise><p>Nothing changed between them.</p></xsl:otherwise>
    </xsl:choose>
  </xsl:template>
  <xsl:template name="version-name">
    <xsl:param name="v"/>
    <xsl:choose>
      <xsl:when test="$v = 'working'">the working copy</xsl:when>
      <xsl:otherwise>version <xsl:value-of select="$v"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>
  <!-- a block of a diff: markup (an XHTML field) as XHTML, text as a paragraph -->
  <xsl:template match="*" mode="diff-block"><xsl:apply-templates select="." mode="xhtml"/></xsl:template>
  <xsl:template match="text()" mode="diff-block"><p class="text-block"><xsl:value-of select="."/></p></xsl:template>

  <!-- more columns a process puts in a list of its tickets: headings (on i:list) and cells
       (on each ticket), none by default -->
  <xsl:template match="*" mode="list-heads"/>
  <xsl:template match="*" mode="list-cells"/>

  <!-- a list of tickets (the navigation asks for the latest changed first) -->
  <xsl:template match="i:list" mode="title">
    <xsl:variable name="c" select="$ctx/p:nav/p:collection[@name = current()/@collection]"/>
    <xsl:choose>
      <xsl:when test="$c"><xsl:apply-templates select="$c" mode="list-label"/></xsl:when>
      <xsl:otherwise><xsl:call-template name="collection-label"><xsl:with-param name="c" select="@collection"/></xsl:call-template></xsl:otherwise>
    </xsl:choose>
  </xsl:template>
  <xsl:template match="i:list" mode="page">
    <h1><xsl:apply-templates select="." mode="title"/></h1>
    <xsl:if test="$ctx/p:nav/p:collection[@name = current()/@collection][@create]">
      <p><a class="button" href="{$base}/{@collection}/new"><xsl:apply-templates select="$ctx/p:nav/p:collection[@name = current()/@collection]" mode="new-label"/></a></p>
    </xsl:if>
    <xsl:apply-templates select="." mode="filters"/>
    <p><a href="{$base}/{@collection}/aged">Aged view</a></p>
    <xsl:choose>
      <xsl:when test="*">
        <table class="table">
          <caption class="visually-hidden"><xsl:apply-templates select="." mode="title"/></caption>
          <thead>
            <tr>
              <th scope="col">Number</th><th scope="col">Subject</th><th scope="col">Status</th>
              <th scope="col">Priority</th><th scope="col">Service level</th><th scope="col">Holder</th>
              <th scope="col">Next step</th><th scope="col">Last changed</th>
              <xsl:apply-templates select="." mode="list-heads"/>
            </tr>
          </thead>
          <tbody>
            <!-- once per list: the rows' links, and their cells without template matches
                 or node-set comparisons where the core's own templates answer -->
            <xsl:variable name="href" select="concat($base, '/', @collection, '/')"/>
            <xsl:for-each select="*">
              <tr>
                <td><a href="{$href}{i:number}"><xsl:value-of select="i:number"/></a></td>
                <td><xsl:value-of select="i:title"/></td>
                <td><xsl:call-template name="state"><xsl:with-param name="s" select="i:state"/></xsl:call-template></td>
                <td><xsl:value-of select="i:priority"/></td>
                <td><xsl:call-template name="sla-status"><xsl:with-param name="s" select="p:worst-status(i:sla/i:target/@status)"/></xsl:call-template></td>
                <td><xsl:apply-templates select="." mode="holder"/></td>
                <td><xsl:apply-templates select="." mode="next-step-text"/></td>
                <td><xsl:call-template name="time"><xsl:with-param name="t" select="i:updated"/></xsl:call-template></td>
                <xsl:apply-templates select="." mode="list-cells"/>
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
  <xsl:template match="*" mode="next-step-text"/>

  <xsl:template match="i:list" mode="filters">
    <form method="get" action="{$base}/{@collection}" class="filters" aria-label="Filters">
      <xsl:if test="$ctx/p:arg[@name = 'sort']"><input type="hidden" name="sort" value="{$ctx/p:arg[@name = 'sort']}"/></xsl:if>
      <xsl:call-template name="filter-select">
        <xsl:with-param name="name" select="'open'"/><xsl:with-param name="label" select="'Open or finished'"/>
        <xsl:with-param name="options" select="'true false'"/>
      </xsl:call-template>
      <xsl:call-template name="filter-select">
        <xsl:with-param name="name" select="'sla'"/><xsl:with-param name="label" select="'Service level'"/>
        <xsl:with-param name="options" select="'in-sla warning breached'"/>
      </xsl:call-template>
      <xsl:call-template name="filter-select">
        <xsl:with-param name="name" select="'priority'"/><xsl:with-param name="label" select="'Priority'"/>
        <xsl:with-param name="options" select="'P1 P2 P3 P4 P5'"/>
      </xsl:call-template>
      <div class="form-group filter">
        <label class="label" for="filter-state">Status</label>
        <input class="input" id="filter-state" name="state" type="text" value="{$ctx/p:arg[@name = 'state']}"/>
      </div>
      <button type="submit" class="button button-secondary">Filter</button>
    </form>
  </xsl:template>

  <xsl:template name="filter-select">
    <xsl:param name="name"/>
    <xsl:param name="label"/>
    <xsl:param name="options"/>
    <div class="form-group filter">
      <label class="label" for="filter-{$name}"><xsl:value-of select="$label"/></label>
      <select class="select" id="filter-{$name}" name="{$name}">
        <option value="">Any</option>
        <xsl:call-template name="options">
          <xsl:with-param name="list" select="concat(normalize-space($options), ' ')"/>
          <xsl:with-param name="current" select="$ctx/p:arg[@name = $name]"/>
          <xsl:with-param name="open" select="$name = 'open'"/>
        </xsl:call-template>
      </select>
    </div>
  </xsl:template>
  <xsl:template name="options">
    <xsl:param name="list"/>
    <xsl:param name="current"/>
    <xsl:param name="open" select="false()"/>
    <xsl:if test="$list">
      <xsl:variable name="v" select="substring-before($list, ' ')"/>
      <option value="{$v}">
        <!-- in any case, trimmed, as the API reads a common field's value: ?priority=p2 is P2 -->
        <xsl:if test="translate($v, 'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ')
            = translate(normalize-space($current), 'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ')">
          <xsl:attribute name="selected">selected</xsl:attribute>
        </xsl:if>
        <xsl:choose>
          <xsl:when test="$v = 'true' and $open">Open</xsl:when>
          <xsl:when test="$v = 'false' and $open">Finished</xsl:when>
          <xsl:when test="$v = 'true'">Yes</xsl:when>
          <xsl:when test="$v = 'false'">No</xsl:when>
          <xsl:when test="$v = 'in-sla'">Within target</xsl:when>
          <xsl:when test="$v = 'warning'">Near target</xsl:when>
          <xsl:when test="$v = 'breached'">Breached</xsl:when>
          <xsl:otherwise><xsl:value-of select="$v"/></xsl:otherwise>
        </xsl:choose>
      </option>
      <xsl:call-template name="options">
        <xsl:with-param name="list" select="substring-after($list, ' ')"/>
        <xsl:with-param name="current" select="$current"/>
        <xsl:with-param name="open" select="$open"/>
      </xsl:call-template>
    </xsl:if>
  </xsl:template>

  <!-- the aged view -->
  <xsl:template match="i:aged" mode="title">Aged <xsl:value-of select="translate(@collection, '-', ' ')"/></xsl:template>
  <xsl:template match="i:aged" mode="page">
    <h1><xsl:apply-templates select="." mode="title"/></h1>
    <p>Open tickets by age in days, as at <xsl:call-template name="time"><xsl:with-param name="t" select="@at"/></xsl:call-template>.</p>
    <xsl:for-each select="i:bucket">
      <h2><xsl:value-of select="@days"/> days: <xsl:value-of select="@count"/></h2>
      <xsl:if test="i:item">
        <table class="table">
          <caption class="visually-hidden"><xsl:value-of select="@days"/> days</caption>
          <thead><tr><th scope="col">Number</th><th scope="col">Age (days)</th><th scope="col">Status</th><th scope="col">Priority</th><th scope="col">Why it is ageing</th></tr></thead>
          <tbody>
            <xsl:for-each select="i:item">
              <tr>
                <td><a href="{$base}/{../../@collection}/{@number}"><xsl:value-of select="@number"/></a></td>
                <td><xsl:value-of select="@age"/></td>
                <td><xsl:call-template name="state"><xsl:with-param name="s" select="@state"/></xsl:call-template></td>
                <td><xsl:value-of select="@priority"/></td>
                <td><xsl:value-of select="@reason"/></td>
              </tr>
            </xsl:for-each>
          </tbody>
        </table>
      </xsl:if>
    </xsl:for-each>
  </xsl:template>

  <!-- the directory of external desks: the names a route to another desk takes -->
  <xsl:template match="i:desks" mode="title">Desks</xsl:template>
  <xsl:template match="i:desks" mode="page">
    <h1>Desks</h1>
    <xsl:choose>
      <xsl:when test="i:desk">
        <p>The desks a case can be passed to: route it to one by its name.</p>
        <table class="table">
          <caption class="visually-hidden">Desks</caption>
          <thead><tr><th scope="col">Name</th><th scope="col">Kind</th><th scope="col">Owner</th><th scope="col">Provider</th><th scope="col">Contact</th><th scope="col">What it covers</th></tr></thead>
          <tbody>
            <xsl:for-each select="i:desk">
              <tr>
                <td><xsl:value-of select="@name"/></td>
                <td><xsl:value-of select="@kind"/></td>
                <td><xsl:value-of select="@owner"/></td>
                <td><xsl:value-of select="@provider"/></td>
                <td><xsl:value-of select="@contact"/></td>
                <td><xsl:value-of select="."/></td>
              </tr>
            </xsl:for-each>
          </tbody>
        </table>
      </xsl:when>
      <xsl:otherwise><p>No other desk is configured.</p></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- a public view (the banner's own page) -->
  <xsl:template match="i:view" mode="title"><xsl:call-template name="words"><xsl:with-param name="s" select="translate(@name, '/', '-')"/></xsl:call-template></xsl:template>
  <xsl:template match="i:view" mode="page">
    <h1><xsl:apply-templates select="." mode="title"/></h1>
    <xsl:choose>
      <xsl:when test="*">
        <ul class="list">
          <xsl:for-each select="*">
            <li><strong><xsl:value-of select="i:number"/></strong>: <xsl:value-of select="i:title"/>
              <xsl:for-each select="*[not(self::i:number or self::i:title)]">
                <br/><xsl:apply-templates select="." mode="label"/>: <xsl:apply-templates select="." mode="value"/>
              </xsl:for-each>
            </li>
          </xsl:for-each>
        </ul>
      </xsl:when>
      <xsl:otherwise><p>None at the moment.</p></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- the caller's identity -->
  <xsl:template match="i:identity" mode="title">My account</xsl:template>
  <xsl:template match="i:identity" mode="page">
    <h1>My account</h1>
    <dl class="summary">
      <div class="summary-row"><dt>Name</dt><dd><xsl:value-of select="i:name"/></dd></div>
      <div class="summary-row"><dt>Login</dt><dd><xsl:value-of select="i:login"/></dd></div>
      <xsl:if test="i:email"><div class="summary-row"><dt>Email</dt><dd><xsl:value-of select="i:email"/></dd></div></xsl:if>
      <xsl:if test="i:party"><div class="summary-row"><dt>Party</dt><dd><xsl:value-of select="i:party/@name"/> (<xsl:value-of select="i:party"/>)</dd></div></xsl:if>
      <div class="summary-row"><dt>Roles</dt><dd><xsl:for-each select="$ctx/p:who/p:role"><xsl:value-of select="."/><xsl:if test="position() != last()">, </xsl:if></xsl:for-each></dd></div>
    </dl>
  </xsl:template>

  <!-- the caller's feed (Atom) -->
  <xsl:template match="a:feed" mode="title">My updates</xsl:template>
  <xsl:template match="a:feed" mode="page">
    <h1>My updates</h1>
    <xsl:choose>
      <xsl:when test="a:entry">
        <ol class="timeline">
          <xsl:for-each select="a:entry">
            <!-- the entry's own link (not a related one) is absolute (an Atom reader's, made
                 of this server's name): linked by its path under this portal -->
            <xsl:variable name="own" select="string(a:link[not(@rel)][1]/@href)"/>
            <xsl:variable name="own-path" select="concat('/', substring-after(substring-after($own, '://'), '/'))"/>
            <li class="timeline-entry">
              <p class="timeline-head">
                <xsl:call-template name="time"><xsl:with-param name="t" select="a:updated"/></xsl:call-template>
                <xsl:text>: </xsl:text>
                <xsl:choose>
                  <xsl:when test="starts-with($own, concat($base, '/'))"><a href="{$own}"><xsl:value-of select="a:title"/></a></xsl:when>
                  <xsl:when test="$own and starts-with($own-path, concat($base, '/'))"><a href="{$own-path}"><xsl:value-of select="a:title"/></a></xsl:when>
                  <xsl:otherwise><xsl:value-of select="a:title"/></xsl:otherwise>
                </xsl:choose>
              </p>
              <xsl:if test="a:summary"><p><xsl:value-of select="a:summary"/></p></xsl:if>
              <!-- the tickets the change named for its reader (a case closed with guidance:
                   its article), linked by their path under this portal -->
              <xsl:for-each select="a:link[@rel = 'related']">
                <xsl:variable name="path" select="concat('/', substring-after(substring-after(@href, '://'), '/'))"/>
                <xsl:if test="starts-with($path, concat($base, '/'))">
                  <p><xsl:value-of select="@title"/>: <a href="{$path}"><xsl:value-of select="substring-after(substring-after($path, concat($base, '/')), '/')"/></a></p>
                </xsl:if>
              </xsl:for-each>
            </li>
          </xsl:for-each>
        </ol>
      </xsl:when>
      <xsl:otherwise><p>Nothing new.</p></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- an error -->
  <xsl:template match="i:error" mode="title">
    <xsl:choose>
      <xsl:when test="i:status = 404">Page not found</xsl:when>
      <xsl:when test="i:status = 403">Not allowed</xsl:when>
      <xsl:otherwise>Sorry, there is a problem</xsl:otherwise>
    </xsl:choose>
  </xsl:template>
  <xsl:template match="i:error" mode="page">
    <h1><xsl:apply-templates select="." mode="title"/></h1>
    <p><xsl:value-of select="i:message"/></p>
    <xsl:if test="i:detail"><p class="detail"><xsl:value-of select="i:detail"/></p></xsl:if>
    <p><a href="{$base}/">Go to the home page</a></p>
  </xsl:template>

  <!-- the sign-out page (a GET of the sign-out URL, or a sign-out refused for its token) -->
  <xsl:template match="p:logout" mode="title">Sign out</xsl:template>
  <xsl:template match="p:logout" mode="page">
    <xsl:if test="p:refused">
      <div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1" autofocus="autofocus">
        <h2 id="error-summary-title">There is a problem</h2>
        <p>This sign-out did not come from a page of this site, or its page has expired. You are still signed in: press the button to sign out.</p>
      </div>
    </xsl:if>
    <h1>Sign out</h1>
    <form method="post" action="{p:action}">
      <input type="hidden" name="itsm-csrf" value="{$ctx/@sign-out-token}"/>
      <button type="submit" class="button">Sign out</button>
    </form>
    <p><a href="{$ctx/@home}">Stay signed in and go to the home page</a></p>
  </xsl:template>

  <!-- the login page -->
  <xsl:template match="p:login" mode="title">Sign in</xsl:template>
  <xsl:template match="p:login" mode="page">
    <xsl:if test="p:failed">
      <div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1" autofocus="autofocus">
        <h2 id="error-summary-title">There is a problem</h2>
        <p><a href="#httpd_username">The login or password is not right.</a></p>
      </div>
    </xsl:if>
    <xsl:if test="p:signed-out"><p class="notice" role="status">You are signed out.</p></xsl:if>
    <h1>Sign in</h1>
    <form method="post" action="{p:action}">
      <xsl:if test="p:return"><input type="hidden" name="httpd_location" value="{p:return}"/></xsl:if>
      <div class="form-group">
        <label class="label" for="httpd_username">Login</label>
        <input class="input" id="httpd_username" name="httpd_username" type="text" autocomplete="username" spellcheck="false" required="required"/>
      </div>
      <div class="form-group">
        <label class="label" for="httpd_password">Password</label>
        <input class="input" id="httpd_password" name="httpd_password" type="password" autocomplete="current-password" required="required"/>
      </div>
      <button type="submit" class="button">Sign in</button>
    </form>
  </xsl:template>
</xsl:stylesheet>
