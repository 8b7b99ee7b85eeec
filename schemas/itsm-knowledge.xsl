<?xml version="1.0" encoding="UTF-8"?>
<!-- SPDX-License-Identifier: Apache-2.0 (see LICENSE) -->
<!-- The knowledge process's pages (mod_itsm_knowledge: itsm_process_t.stylesheet), imported
     after the core's itsm-portal.xsl: knowledge search with snippets and the matched words
     marked, the article page with its XHTML body and "was this helpful", the article editor
     (the body's markup in a textarea), the review queue with links to what a revision
     changes, the glossary A-Z and 0-9 (letters without terms not links, counted by
     p:stats()) with pages of 10, 20, 50 or all, the knowledge gaps, the search on the home page, and the articles
     offered on the first submit of "raise a case" (Tier 0 self-help). -->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:i="urn:mod-itsm:xml:1"
    xmlns:p="urn:mod-itsm:portal"
    exclude-result-prefixes="i p">

  <xsl:variable name="km-editor" select="$ctx/p:who/p:role = 'knowledge-manager' or $ctx/p:who/p:role = 'knowledge-author' or $ctx/p:who/p:role = 'itsm-admin'"/>
  <xsl:variable name="km-manager" select="$ctx/p:who/p:role = 'knowledge-manager' or $ctx/p:who/p:role = 'itsm-admin'"/>

  <!-- ============================================================ navigation, home -->
  <xsl:template match="p:collection[@kind = 'article']" mode="list-label">Knowledge base</xsl:template>
  <xsl:template match="p:collection[@kind = 'article']" mode="list-query">sort=-opened</xsl:template>
  <xsl:template match="p:collection[@kind = 'article']" mode="new-label">Write an article</xsl:template>
  <xsl:template match="p:collection[@kind = 'term']" mode="list-label">Glossary</xsl:template>
  <xsl:template match="p:collection[@kind = 'term']" mode="list-query">letter=A&amp;sort=title&amp;limit=20</xsl:template>
  <xsl:template match="p:collection[@kind = 'term']" mode="new-label">Add a glossary term</xsl:template>

  <xsl:template match="p:collection[@kind = 'article']" mode="home-sections">
    <section class="home-search" aria-labelledby="home-search-title">
      <h2 id="home-search-title">Search the knowledge base</h2>
      <xsl:call-template name="knowledge-search-form"><xsl:with-param name="id" select="'home-q'"/></xsl:call-template>
    </section>
  </xsl:template>
  <xsl:template match="p:collection[@kind = 'article']" mode="home-links">
    <xsl:if test="$km-manager">
      <li><a href="{$base}/{@name}?state=in-review&amp;sort=opened">Knowledge review queue (articles in review, oldest first)</a></li>
      <li><a href="{$base}/knowledge-gaps">Knowledge gaps (searches that found nothing)</a></li>
    </xsl:if>
    <xsl:if test="$km-editor">
      <li><a href="{$base}/{@name}?state=draft&amp;sort=-updated">Article drafts</a></li>
    </xsl:if>
  </xsl:template>

  <xsl:template name="knowledge-search-form">
    <xsl:param name="id" select="'q'"/>
    <form method="get" action="{$base}/articles" class="search-form" role="search" aria-label="Knowledge base">
      <div class="form-group">
        <label class="label" for="{$id}">Words to search for</label>
        <p class="hint" id="{$id}-hint">For example: DIP certificate renewal. Use "quotes" for exact words.</p>
        <input class="input" id="{$id}" name="q" type="search" aria-describedby="{$id}-hint" value="{$ctx/p:arg[@name = 'q']}"/>
      </div>
      <button type="submit" class="button">Search</button>
    </form>
  </xsl:template>

  <!-- ============================================================ small parts -->
  <!-- a snippet, its matched words marked -->
  <xsl:template match="i:snippet" mode="snippet">
    <p class="snippet"><xsl:apply-templates mode="snippet"/></p>
  </xsl:template>
  <xsl:template match="i:match" mode="snippet"><mark><xsl:value-of select="."/></mark></xsl:template>
  <xsl:template match="text()" mode="snippet"><xsl:value-of select="."/></xsl:template>

  <!-- the same body as markup text, for the editor's textarea (escaped again on output) -->
  <xsl:template match="*" mode="markup">
    <xsl:text>&lt;</xsl:text><xsl:value-of select="local-name()"/>
    <xsl:for-each select="@href">
      <xsl:text> href="</xsl:text>
      <xsl:call-template name="escape"><xsl:with-param name="s" select="."/><xsl:with-param name="quote" select="true()"/></xsl:call-template>
      <xsl:text>"</xsl:text>
    </xsl:for-each>
    <xsl:choose>
      <xsl:when test="node()">
        <xsl:text>&gt;</xsl:text>
        <xsl:apply-templates mode="markup"/>
        <xsl:text>&lt;/</xsl:text><xsl:value-of select="local-name()"/><xsl:text>&gt;</xsl:text>
      </xsl:when>
      <xsl:otherwise><xsl:text>/&gt;</xsl:text></xsl:otherwise>
    </xsl:choose>
    <xsl:if test="parent::i:body"><xsl:text>&#10;</xsl:text></xsl:if>
  </xsl:template>
  <xsl:template match="text()" mode="markup">
    <xsl:call-template name="escape"><xsl:with-param name="s" select="."/></xsl:call-template>
  </xsl:template>
  <!-- & < > (and " in an attribute) as entities -->
  <xsl:template name="escape">
    <xsl:param name="s"/>
    <xsl:param name="quote" select="false()"/>
    <xsl:variable name="c" select="substring($s, 1, 1)"/>
    <xsl:variable name="i">
      <xsl:choose>
        <xsl:when test="contains($s, '&amp;') or contains($s, '&lt;') or contains($s, '&gt;') or ($quote and contains($s, '&quot;'))">1</xsl:when>
        <xsl:otherwise>0</xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:choose>
      <xsl:when test="$i = 0"><xsl:value-of select="$s"/></xsl:when>
      <xsl:when test="$s != ''">
        <xsl:choose>
          <xsl:when test="$c = '&amp;'">&amp;amp;</xsl:when>
          <xsl:when test="$c = '&lt;'">&amp;lt;</xsl:when>
          <xsl:when test="$c = '&gt;'">&amp;gt;</xsl:when>
          <xsl:when test="$quote and $c = '&quot;'">&amp;quot;</xsl:when>
          <xsl:otherwise><xsl:value-of select="$c"/></xsl:otherwise>
        </xsl:choose>
        <xsl:call-template name="escape"><xsl:with-param name="s" select="substring($s, 2)"/><xsl:with-param name="quote" select="$quote"/></xsl:call-template>
      </xsl:when>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="article-label">
    <xsl:param name="n"/>
    <xsl:choose>
      <xsl:when test="$n = 'title'">Title</xsl:when>
      <xsl:when test="$n = 'body'">Text of the article</xsl:when>
      <xsl:when test="$n = 'services'">Services it is about</xsl:when>
      <xsl:when test="$n = 'keywords'">Keywords</xsl:when>
      <xsl:when test="$n = 'audience'">Who reads it once published</xsl:when>
      <xsl:when test="$n = 'gap'">Knowledge gap it answers</xsl:when>
      <xsl:otherwise><xsl:call-template name="words"><xsl:with-param name="s" select="$n"/></xsl:call-template></xsl:otherwise>
    </xsl:choose>
  </xsl:template>
  <xsl:template match="p:kind[@name = 'article']/p:field" mode="field-label">
    <xsl:call-template name="article-label"><xsl:with-param name="n" select="@name"/></xsl:call-template>
  </xsl:template>
  <xsl:template match="p:kind[@name = 'article']/p:field[@name = 'body']" mode="field-hint">
    <p class="hint">Write the text as markup: &lt;p&gt; paragraphs, &lt;h2&gt; to &lt;h4&gt; headings, &lt;ul&gt;, &lt;ol&gt; and &lt;li&gt; lists, &lt;a href="https://..."&gt; links, &lt;code&gt;, &lt;pre&gt;, &lt;table&gt;, &lt;em&gt;, &lt;strong&gt;, &lt;br/&gt;. Anything else is refused.</p>
  </xsl:template>
  <xsl:template match="p:kind[@name = 'article']/p:field[@name = 'audience']" mode="field-hint">
    <p class="hint">internal (the default), all, or entries separated by spaces: party:ID, market-role:NAME, role:NAME.</p>
  </xsl:template>
  <xsl:template match="p:kind[@name = 'article']/p:field[@name = 'keywords' or @name = 'services']" mode="field-hint">
    <p class="hint">Words separated by spaces.</p>
  </xsl:template>

  <!-- ============================================================ search, lists -->
  <xsl:template match="i:list[@collection = 'articles']" mode="title">
    <xsl:variable name="s" select="$ctx/p:arg[@name = 'state']"/>
    <xsl:choose>
      <xsl:when test="$ctx/p:arg[@name = 'q']">Search results</xsl:when>
      <xsl:when test="$s = 'in-review'">Knowledge review queue</xsl:when>
      <xsl:when test="$s = 'draft'">Article drafts</xsl:when>
      <xsl:otherwise>Knowledge base</xsl:otherwise>
    </xsl:choose>
  </xsl:template>
  <xsl:template match="i:list[@collection = 'articles']" mode="page">
    <h1><xsl:apply-templates select="." mode="title"/></h1>
    <xsl:if test="$ctx/p:nav/p:collection[@name = 'articles'][@create]">
      <p><a class="button" href="{$base}/articles/new">Write an article</a></p>
    </xsl:if>
    <xsl:call-template name="knowledge-search-form"/>
    <xsl:if test="$km-editor">
      <nav aria-label="Articles by status">
        <ul class="list list-inline">
          <xsl:call-template name="state-link"><xsl:with-param name="s" select="'draft'"/><xsl:with-param name="label" select="'Drafts'"/></xsl:call-template>
          <xsl:call-template name="state-link"><xsl:with-param name="s" select="'in-review'"/><xsl:with-param name="label" select="'In review'"/></xsl:call-template>
          <xsl:call-template name="state-link"><xsl:with-param name="s" select="'approved'"/><xsl:with-param name="label" select="'Approved'"/></xsl:call-template>
          <xsl:call-template name="state-link"><xsl:with-param name="s" select="'published'"/><xsl:with-param name="label" select="'Published'"/></xsl:call-template>
          <xsl:call-template name="state-link"><xsl:with-param name="s" select="'retired'"/><xsl:with-param name="label" select="'Retired'"/></xsl:call-template>
        </ul>
      </nav>
    </xsl:if>
    <xsl:if test="$ctx/p:arg[@name = 'q']">
      <p role="status">
        <xsl:choose>
          <xsl:when test="i:article">Articles matching "<xsl:value-of select="$ctx/p:arg[@name = 'q']"/>", best first.</xsl:when>
          <xsl:when test="@offset &gt; 0">No more articles match "<xsl:value-of select="$ctx/p:arg[@name = 'q']"/>" past this page: <a href="?{$ctx/@query-without-offset}offset=0&amp;limit={@limit}">back to the first page</a>.</xsl:when>
          <xsl:otherwise>No article matches "<xsl:value-of select="$ctx/p:arg[@name = 'q']"/>". Try other words, or raise a case.</xsl:otherwise>
        </xsl:choose>
      </p>
    </xsl:if>
    <xsl:if test="not($ctx/p:arg[@name = 'q']) and not(i:article)"><p>Nothing to show.</p></xsl:if>
    <xsl:apply-templates select="." mode="article-results"/>
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
  <xsl:template name="state-link">
    <xsl:param name="s"/>
    <xsl:param name="label"/>
    <li><a href="{$base}/articles?state={$s}&amp;sort=opened">
      <xsl:if test="$ctx/p:arg[@name = 'state'] = $s"><xsl:attribute name="aria-current">page</xsl:attribute></xsl:if>
      <xsl:value-of select="$label"/></a></li>
  </xsl:template>

  <xsl:template match="i:list" mode="article-results">
    <xsl:if test="i:article">
      <ol class="results">
        <xsl:for-each select="i:article">
          <li class="result">
            <h2 class="result-title"><a href="{$base}/articles/{i:number}"><xsl:value-of select="i:title"/></a></h2>
            <xsl:apply-templates select="i:snippet" mode="snippet"/>
            <p class="result-meta">
              <xsl:value-of select="i:number"/>
              <xsl:if test="i:category"><xsl:text>. </xsl:text><xsl:value-of select="i:category"/></xsl:if>
              <xsl:if test="$km-editor"><xsl:text>. </xsl:text><xsl:call-template name="state"><xsl:with-param name="s" select="i:state"/></xsl:call-template></xsl:if>
            </p>
            <xsl:apply-templates select="." mode="changes-link"/>
          </li>
        </xsl:for-each>
      </ol>
    </xsl:if>
  </xsl:template>

  <!-- raise a case: the first submit searches the knowledge base for its subject -->
  <xsl:template match="i:case" mode="suggest-from">
    <xsl:if test="$ctx/p:nav/p:collection[@name = 'articles']">articles</xsl:if>
  </xsl:template>
  <xsl:template match="i:case" mode="suggest-heading">These articles may answer your question</xsl:template>
  <xsl:template match="i:list[@collection = 'articles']" mode="suggestions">
    <section class="suggestions" aria-labelledby="suggestions-title">
      <h2 id="suggestions-title">
        <xsl:choose>
          <xsl:when test="i:article">These articles may answer your question</xsl:when>
          <xsl:otherwise>No article matched your subject</xsl:otherwise>
        </xsl:choose>
      </h2>
      <xsl:apply-templates select="." mode="article-results"/>
      <p>If none of them helps, check your case below and send it.</p>
    </section>
  </xsl:template>

  <!-- ============================================================ an article -->
  <xsl:template match="i:article" mode="page">
    <xsl:call-template name="error-summary"/>
    <span class="caption">Article <xsl:value-of select="i:number"/></span>
    <h1><xsl:value-of select="i:title"/></h1>
    <!-- a published version's page (.../versions/2; not an editor's working copy) -->
    <xsl:variable name="after" select="substring-after($ctx/@path, '/versions/')"/>
    <xsl:variable name="version" select="substring($after, 1, string-length($after) * number($after != '' and translate($after, '0123456789', '') = ''))"/>
    <xsl:if test="$version">
      <p class="notice">This is version <xsl:value-of select="$version"/> of <xsl:value-of select="i:number"/>, as it was published; it may not be the current one. <a href="{$base}/articles/{i:number}">Read the current version</a> or <a href="{$base}/articles/{i:number}/versions">see every version</a>.</p>
    </xsl:if>
    <dl class="summary">
      <xsl:if test="$km-editor">
        <div class="summary-row"><dt>Status</dt><dd><xsl:call-template name="state"><xsl:with-param name="s" select="i:state"/></xsl:call-template></dd></div>
        <div class="summary-row"><dt>Published version</dt><dd><xsl:choose><xsl:when test="i:publishedVersion"><xsl:value-of select="i:publishedVersion"/></xsl:when><xsl:when test="i:state = 'retired'">None (retired)</xsl:when><xsl:otherwise>None yet</xsl:otherwise></xsl:choose></dd></div>
        <xsl:if test="i:gap"><div class="summary-row"><dt>Written for the knowledge gap</dt><dd>"<xsl:value-of select="i:gap"/>"</dd></div></xsl:if>
        <div class="summary-row"><dt>Who reads it once published</dt><dd><xsl:choose><xsl:when test="i:audience"><xsl:value-of select="i:audience"/></xsl:when><xsl:otherwise>internal</xsl:otherwise></xsl:choose></dd></div>
      </xsl:if>
      <xsl:if test="i:category"><div class="summary-row"><dt>Category</dt><dd><xsl:value-of select="i:category"/></dd></div></xsl:if>
      <xsl:if test="i:services"><div class="summary-row"><dt>Services</dt><dd><xsl:value-of select="i:services"/></dd></div></xsl:if>
      <div class="summary-row"><dt>Last changed</dt><dd><xsl:call-template name="time"><xsl:with-param name="t" select="i:updated"/></xsl:call-template></dd></div>
    </dl>
    <xsl:apply-templates select="." mode="changes-link"/>
    <!-- without a count: a reader lists the versions whose own audience included them -->
    <xsl:if test="not($after) and i:publishedVersion > 1">
      <p><a href="{$base}/articles/{i:number}/versions">Earlier versions<span class="visually-hidden">: <xsl:value-of select="i:title"/></span></a></p>
    </xsl:if>
    <div class="article-body">
      <xsl:apply-templates select="i:body/node()" mode="xhtml"/>
    </div>
    <xsl:apply-templates select="i:helpfulness" mode="votes"/>
    <xsl:apply-templates select="." mode="actions"/>
    <xsl:apply-templates select="$ctx/p:part[@name = 'links']/i:links[i:link]" mode="links"/>
    <xsl:apply-templates select="$ctx/p:part[@name = 'journal']/i:journal" mode="history"/>
  </xsl:template>

  <!-- for an editor, a working copy that differs from the version readers see: a link to
       what it changes (the review's question), paragraph by paragraph -->
  <xsl:template match="i:article" mode="changes-link">
    <xsl:if test="$km-editor and i:publishedVersion and i:state != 'published'">
      <p><a href="{$base}/articles/{i:number}/versions/working?diff={i:publishedVersion}">What changed since the published version (<xsl:value-of select="i:publishedVersion"/>)<span class="visually-hidden">: <xsl:value-of select="i:title"/></span></a></p>
    </xsl:if>
  </xsl:template>

  <!-- was this helpful: posts the vote (POST .../votes), one per person and version -->
  <xsl:template match="i:helpfulness" mode="votes">
    <xsl:variable name="t" select=".."/>
    <form class="action-form" method="post" action="{$base}/articles/{$t/i:number}/votes" id="vote-form">
      <xsl:call-template name="hidden-token"/>
      <fieldset class="fieldset">
        <legend class="legend">Was this helpful?</legend>
        <xsl:if test="$refusal/@action = 'vote'">
          <p class="error-message" id="vote-error"><span class="visually-hidden">Error: </span><xsl:value-of select="$refusal/i:error/i:message"/></p>
        </xsl:if>
        <p class="hint">
          <xsl:value-of select="@helpful"/> found it helpful, <xsl:value-of select="@unhelpful"/> did not.
          <xsl:choose>
            <xsl:when test="@mine = 'helpful'"> You said it was helpful.</xsl:when>
            <xsl:when test="@mine = 'unhelpful'"> You said it was not helpful.</xsl:when>
          </xsl:choose>
        </p>
        <button type="submit" class="button" name="helpful" value="true">Yes, it helped</button>
        <xsl:text> </xsl:text>
        <button type="submit" class="button button-secondary" name="helpful" value="false">No, it did not</button>
      </fieldset>
    </form>
  </xsl:template>

  <!-- the editor: a new article, and the details form of a draft -->
  <xsl:template match="i:article" mode="new-title">Write an article</xsl:template>
  <xsl:template match="i:article" mode="new">
    <xsl:call-template name="input">
      <xsl:with-param name="form" select="'create'"/><xsl:with-param name="name" select="'title'"/>
      <xsl:with-param name="required" select="true()"/><xsl:with-param name="label" select="'Title'"/>
    </xsl:call-template>
    <xsl:call-template name="input">
      <xsl:with-param name="form" select="'create'"/><xsl:with-param name="name" select="'body'"/>
      <xsl:with-param name="type" select="'long-text'"/><xsl:with-param name="required" select="not($ctx/p:arg[@name = 'gap'])"/>
    </xsl:call-template>
    <xsl:for-each select="$ctx/p:kind/p:field[@name = 'category' or @name = 'services' or @name = 'keywords' or @name = 'audience']">
      <xsl:call-template name="input">
        <xsl:with-param name="form" select="'create'"/><xsl:with-param name="name" select="@name"/>
      </xsl:call-template>
    </xsl:for-each>
    <xsl:if test="$ctx/p:arg[@name = 'gap'] or $refusal/p:value[@name = 'gap']">
      <xsl:call-template name="input">
        <xsl:with-param name="form" select="'create'"/><xsl:with-param name="name" select="'gap'"/>
      </xsl:call-template>
    </xsl:if>
  </xsl:template>
  <xsl:template match="p:kind[@name = 'article']/p:field[@name = 'body']" mode="update-input">
    <xsl:param name="t"/>
    <xsl:call-template name="input">
      <xsl:with-param name="form" select="'update'"/><xsl:with-param name="name" select="'body'"/>
      <xsl:with-param name="type" select="'long-text'"/><xsl:with-param name="required" select="true()"/>
      <xsl:with-param name="value"><xsl:apply-templates select="$t/i:body/node()" mode="markup"/></xsl:with-param>
    </xsl:call-template>
  </xsl:template>

  <xsl:template match="p:action[@name = 'submit']" mode="action-label">Submit for review</xsl:template>
  <xsl:template match="p:action[@name = 'reject']" mode="action-label">Send back to the author</xsl:template>
  <xsl:template match="p:action[@name = 'revise']" mode="action-label">Revise (a new draft)</xsl:template>

  <!-- ============================================================ the glossary -->
  <xsl:template match="i:list[@collection = 'glossary']" mode="title">
    <xsl:text>Glossary</xsl:text>
    <xsl:if test="$ctx/p:arg[@name = 'letter']">: <xsl:value-of select="$az-letter"/></xsl:if>
  </xsl:template>
  <!-- the letter asked for as the bar writes it: the API takes ?letter=a as A -->
  <xsl:variable name="az-letter" select="translate(normalize-space($ctx/p:arg[@name = 'letter']),
      'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ')"/>
  <xsl:template match="i:list[@collection = 'glossary']" mode="page">
    <xsl:variable name="letter" select="$az-letter"/>
    <xsl:variable name="limit" select="@limit"/>
    <h1><xsl:apply-templates select="." mode="title"/></h1>
    <xsl:if test="$ctx/p:nav/p:collection[@name = 'glossary'][@create]">
      <p><a class="button" href="{$base}/glossary/new">Add a glossary term</a></p>
    </xsl:if>
    <!-- the terms per letter, one grouped query (GET /glossary/stats?by=letter) -->
    <xsl:variable name="counts" select="p:stats('glossary', 'letter')"/>
    <nav class="az" aria-label="Glossary by letter">
      <ul class="az-list">
        <xsl:call-template name="az">
          <xsl:with-param name="letters" select="'ABCDEFGHIJKLMNOPQRSTUVWXYZ'"/>
          <xsl:with-param name="current" select="$letter"/><xsl:with-param name="limit" select="$limit"/>
          <xsl:with-param name="counts" select="$counts"/>
        </xsl:call-template>
        <xsl:call-template name="az-letter">
          <xsl:with-param name="l" select="'0-9'"/>
          <xsl:with-param name="current" select="$letter"/><xsl:with-param name="limit" select="$limit"/>
          <xsl:with-param name="counts" select="$counts"/>
        </xsl:call-template>
      </ul>
    </nav>
    <form method="get" action="{$base}/glossary" class="search-form" role="search" aria-label="Glossary">
      <div class="form-group">
        <label class="label" for="glossary-q">Find a term or acronym</label>
        <input class="input" id="glossary-q" name="q" type="search" value="{$ctx/p:arg[@name = 'q']}"/>
      </div>
      <button type="submit" class="button button-secondary">Find</button>
    </form>
    <p>
      <xsl:text>Terms per page: </xsl:text>
      <xsl:call-template name="size-link"><xsl:with-param name="n" select="10"/><xsl:with-param name="limit" select="$limit"/></xsl:call-template><xsl:text> | </xsl:text>
      <xsl:call-template name="size-link"><xsl:with-param name="n" select="20"/><xsl:with-param name="limit" select="$limit"/></xsl:call-template><xsl:text> | </xsl:text>
      <xsl:call-template name="size-link"><xsl:with-param name="n" select="50"/><xsl:with-param name="limit" select="$limit"/></xsl:call-template><xsl:text> | </xsl:text>
      <xsl:call-template name="size-link"><xsl:with-param name="n" select="500"/><xsl:with-param name="limit" select="$limit"/><xsl:with-param name="label" select="'All'"/></xsl:call-template>
    </p>
    <xsl:choose>
      <xsl:when test="i:term">
        <dl class="glossary">
          <xsl:for-each select="i:term">
            <dt>
              <a href="{$base}/glossary/{i:number}"><xsl:value-of select="i:title"/></a>
              <xsl:if test="i:acronym"> (<abbr><xsl:value-of select="i:acronym"/></abbr>)</xsl:if>
            </dt>
            <dd class="text-block"><xsl:value-of select="i:definition"/></dd>
          </xsl:for-each>
        </dl>
      </xsl:when>
      <xsl:otherwise><p>No terms here.</p></xsl:otherwise>
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
  <xsl:template name="size-link">
    <xsl:param name="n"/>
    <xsl:param name="limit"/>
    <xsl:param name="label" select="$n"/>
    <xsl:choose>
      <xsl:when test="$n = $limit"><strong><xsl:value-of select="$label"/><span class="visually-hidden"> terms per page (shown)</span></strong></xsl:when>
      <xsl:otherwise><a href="?{$ctx/@query-without-offset}limit={$n}"><xsl:value-of select="$label"/><span class="visually-hidden"> terms per page</span></a></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="az">
    <xsl:param name="letters"/>
    <xsl:param name="current"/>
    <xsl:param name="limit"/>
    <xsl:param name="counts"/>
    <xsl:if test="$letters">
      <xsl:call-template name="az-letter">
        <xsl:with-param name="l" select="substring($letters, 1, 1)"/>
        <xsl:with-param name="current" select="$current"/><xsl:with-param name="limit" select="$limit"/>
        <xsl:with-param name="counts" select="$counts"/>
      </xsl:call-template>
      <xsl:call-template name="az">
        <xsl:with-param name="letters" select="substring($letters, 2)"/>
        <xsl:with-param name="current" select="$current"/><xsl:with-param name="limit" select="$limit"/>
        <xsl:with-param name="counts" select="$counts"/>
      </xsl:call-template>
    </xsl:if>
  </xsl:template>
  <!-- one letter of the bar: a link with its count, or, when no term starts with it, the
       letter alone (greyed, and "no terms" in words for a screen reader); without the
       counts (not readable) every letter is a link -->
  <xsl:template name="az-letter">
    <xsl:param name="l"/>
    <xsl:param name="current"/>
    <xsl:param name="limit"/>
    <xsl:param name="counts"/>
    <xsl:variable name="n" select="$counts/i:group[@key = $l]/@count"/>
    <xsl:choose>
      <xsl:when test="$counts and not($n &gt; 0)">
        <li class="az-empty"><span>
          <xsl:if test="$current = $l"><xsl:attribute name="aria-current">page</xsl:attribute></xsl:if>
          <xsl:value-of select="$l"/><span class="visually-hidden"> (no terms)</span></span></li>
      </xsl:when>
      <xsl:otherwise>
        <li><a href="{$base}/glossary?letter={$l}&amp;sort=title&amp;limit={$limit}">
          <xsl:if test="$current = $l"><xsl:attribute name="aria-current">page</xsl:attribute></xsl:if>
          <xsl:value-of select="$l"/>
          <xsl:if test="$n"><span class="visually-hidden"> (<xsl:value-of select="$n"/><xsl:text> term</xsl:text><xsl:if test="$n != 1">s</xsl:if>)</span></xsl:if></a></li>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template match="i:term" mode="page">
    <xsl:call-template name="error-summary"/>
    <span class="caption">Glossary term <xsl:value-of select="i:number"/></span>
    <h1><xsl:value-of select="i:title"/></h1>
    <dl class="summary">
      <xsl:if test="i:acronym"><div class="summary-row"><dt>Acronym</dt><dd><xsl:value-of select="i:acronym"/></dd></div></xsl:if>
      <div class="summary-row"><dt>Definition</dt><dd class="text-block"><xsl:value-of select="i:definition"/></dd></div>
    </dl>
    <p><a href="{$base}/glossary?letter={i:letter}&amp;sort=title&amp;limit=20">More terms under <xsl:value-of select="i:letter"/></a></p>
    <xsl:apply-templates select="." mode="actions"/>
  </xsl:template>
  <xsl:template match="i:term" mode="new-title">Add a glossary term</xsl:template>
  <xsl:template match="i:term" mode="new">
    <xsl:call-template name="input">
      <xsl:with-param name="form" select="'create'"/><xsl:with-param name="name" select="'title'"/>
      <xsl:with-param name="required" select="true()"/><xsl:with-param name="label" select="'Term'"/>
    </xsl:call-template>
    <xsl:call-template name="input">
      <xsl:with-param name="form" select="'create'"/><xsl:with-param name="name" select="'acronym'"/>
    </xsl:call-template>
    <xsl:call-template name="input">
      <xsl:with-param name="form" select="'create'"/><xsl:with-param name="name" select="'definition'"/>
      <xsl:with-param name="type" select="'long-text'"/><xsl:with-param name="required" select="true()"/>
    </xsl:call-template>
  </xsl:template>

  <!-- ============================================================ knowledge gaps -->
  <xsl:template match="i:knowledgeGaps" mode="title">Knowledge gaps</xsl:template>
  <xsl:template match="i:knowledgeGaps" mode="page">
    <h1>Knowledge gaps</h1>
    <p>Searches of the knowledge base that found nothing (misses), or found articles that did not stop a case being raised within the hour (deflections that failed), the most frequent first.</p>
    <xsl:choose>
      <xsl:when test="i:gap">
        <table class="table">
          <caption class="visually-hidden">Knowledge gaps</caption>
          <thead><tr><th scope="col">Searched for</th><th scope="col">Party</th><th scope="col">Found nothing</th><th scope="col">Case raised anyway</th><th scope="col">First seen</th><th scope="col">Last seen</th><th scope="col">Action</th></tr></thead>
          <tbody>
            <xsl:for-each select="i:gap">
              <tr>
                <td><xsl:value-of select="."/></td>
                <td><xsl:value-of select="@party"/></td>
                <td><xsl:value-of select="@misses"/></td>
                <td><xsl:value-of select="@deflections"/></td>
                <td><xsl:call-template name="time"><xsl:with-param name="t" select="@firstSeen"/></xsl:call-template></td>
                <td><xsl:call-template name="time"><xsl:with-param name="t" select="@lastSeen"/></xsl:call-template></td>
                <td>
                  <xsl:choose>
                    <!-- drafted already (and not retired): to that article, not a second draft -->
                    <xsl:when test="@article">
                      <a class="link" href="{$base}/articles/{@article}">Drafted as <xsl:value-of select="@article"/><span class="visually-hidden">: the article for "<xsl:value-of select="."/>"</span></a>
                    </xsl:when>
                    <xsl:otherwise>
                      <form method="post" action="{$base}/articles" class="inline-form">
                        <xsl:call-template name="hidden-token"/>
                        <input type="hidden" name="title" value="{.}"/>
                        <input type="hidden" name="gap" value="{.}"/>
                        <button type="submit" class="button button-secondary">Draft an article<span class="visually-hidden"> for "<xsl:value-of select="."/>"</span></button>
                      </form>
                    </xsl:otherwise>
                  </xsl:choose>
                </td>
              </tr>
            </xsl:for-each>
          </tbody>
        </table>
      </xsl:when>
      <xsl:otherwise><p>No gaps: every search found something.</p></xsl:otherwise>
    </xsl:choose>
  </xsl:template>
</xsl:stylesheet>
