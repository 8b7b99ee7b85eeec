/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Unit tests of the portal's HTML writer (modules/core/html.c): for each tree, the bytes it
 * writes are those libxslt writes for the portal's <xsl:output method="html" encoding="UTF-8"
 * indent="no"/> (htmlSetMetaEncoding, then htmlDocContentDumpFormatOutput unindented), and a
 * tree with a form it leaves to libxslt is refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <apr_strings.h>
#include <libxml/HTMLtree.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>

#include "unit_main.h"
#include "itsm_html.h"

/* A tree as libxslt builds one: parsed from markup, with a leading unescaped text (what
 * disable-output-escaping makes: the portal's doctype) and text of its own when given. */
static xmlDocPtr tree(const char *markup, const char *raw_text)
{
    xmlDocPtr doc = xmlReadMemory(markup, (int)strlen(markup), NULL, NULL, XML_PARSE_NONET);
    xmlNodePtr root, t;

    assert_non_null(doc);
    doc->type = XML_HTML_DOCUMENT_NODE;     /* as libxslt makes the result of method="html" */
    doc->encoding = xmlStrdup(BAD_CAST "UTF-8");
    root = xmlDocGetRootElement(doc);
    t = xmlNewDocText(doc, BAD_CAST "<!DOCTYPE html>\n");
    t->name = xmlStringTextNoenc;
    xmlAddPrevSibling(root, t);
    if (raw_text)
        xmlAddChild(root, xmlNewDocText(doc, BAD_CAST raw_text));
    return doc;
}

/* libxslt's bytes for the same tree (xsltSaveResultTo for method html, UTF-8, no indent). */
static char *libxslt_bytes(xmlDocPtr doc)
{
    xmlOutputBufferPtr buf = xmlAllocOutputBuffer(NULL);
    char *s;

    htmlSetMetaEncoding(doc, BAD_CAST "UTF-8");
    htmlDocContentDumpFormatOutput(buf, doc, "UTF-8", 0);
    xmlOutputBufferFlush(buf);
    s = apr_pstrmemdup(pool, (const char *)xmlOutputBufferGetContent(buf),
                       xmlOutputBufferGetSize(buf));
    xmlOutputBufferClose(buf);
    return s;
}

static const struct {
    const char *markup, *raw_text;
} same[] = {
    /* a page: the Content-Type meta added to its head; text escaped as libxml2 does */
    { "<html lang='en'><head><title>T</title></head><body><p>a &lt; b &amp; c &gt; d \"q\""
      " 'a' \xc3\xa9 caf\xc3\xa9\r\n\t x</p></body></html>", NULL },
    { "<html><head><meta name='viewport' content='width=device-width'/></head><body/></html>",
      NULL },
    /* empty elements, elements without content, boolean attributes, empty values */
    { "<div><br/><input type='text' value='' disabled='disabled' checked='checked'/><p/>"
      "<div/><span></span><td/><li/><option selected='selected' value='x'>X</option>"
      "<textarea rows='5'></textarea><select multiple='multiple' readonly='readonly'/>"
      "<script src='a.js' defer='defer'></script><html/><body/><link rel='x'/><hr/></div>",
      NULL },
    /* quotes in values: single quotes around a double, &quot; when both */
    { "<p><a title='say \"hi\"' class=\"it's\" data-x=\"both &quot; and '\" id='plain'>l</a>"
      "<input name='n m' value='a&amp;b&lt;c&gt;\"'/></p>", NULL },
    /* both quotes with markup characters; a link's blanks and control bytes */
    { "<p><input value=\"&lt;'a' &amp; &quot;b&quot;&gt;\"/>"
      "<a href='&#9;&#10; x&#9;y&#13;z'>t</a></p>", NULL },
    /* links: leading blanks dropped, URI-escaped after the text escape */
    { "<p><a href='  /p a/\xc3\xa9?x=1&amp;y=&lt;z&gt;&quot;#f' name='n m\xc3\xa9'>l</a>"
      "<form action='/x y?a=(1)~*' method='post'><img src='\xc3\xa9 .png' alt='\xc3\xa9'/>"
      "</form><a href=''>e</a><a href='mailto:a@b.example'>m</a></p>", NULL },
    /* script and style: their text as it is */
    { "<div><script>if (a &lt; b &amp;&amp; c) x();</script><style>a &gt; b {}</style>"
      "<p>x</p></div>", NULL },
    /* a control byte in text (none can come from XML, but from an extension function) */
    { "<p>c</p>", "a\x01" "b\x1f" "c\r\td" },
};

static void writes_what_libxslt_writes(void **state)
{
    size_t i;

    for (i = 0; i < sizeof same / sizeof same[0]; i++) {
        xmlDocPtr a = tree(same[i].markup, same[i].raw_text);
        xmlDocPtr b = tree(same[i].markup, same[i].raw_text);
        const char *html;
        apr_size_t len;

        assert_int_equal(itsm_html_write(pool, a, &html, &len), APR_SUCCESS);
        assert_string_equal(apr_pstrmemdup(pool, html, len), libxslt_bytes(b));
        xmlFreeDoc(a);
        xmlFreeDoc(b);
    }
}

static void leaves_other_forms_to_libxslt(void **state)
{
    static const char *const refused[] = {
        "<p title='&amp;{x}'>x</p>",               /* HTML 4's &{...} in a value */
        "<p title='&lt;!-- include --&gt;'>x</p>",  /* a server-side include in a value */
        "<p><!-- a comment -->x</p>",
        "<p><?pi x?></p>",
        "<p xmlns:x='urn:x' x:a='1'>x</p>",
        "<x:p xmlns:x='urn:x'>x</x:p>",
    };

    xmlDocPtr doc;
    const char *html;
    apr_size_t len;
    size_t i;

    for (i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        doc = tree(refused[i], NULL);
        assert_int_equal(itsm_html_write(pool, doc, &html, &len), APR_EGENERAL);
        xmlFreeDoc(doc);
    }
    /* not libxslt's HTML result in UTF-8 (libxml2 writes other bytes than ASCII as
     * character references then) */
    doc = tree("<p>caf\xc3\xa9</p>", NULL);
    doc->type = XML_DOCUMENT_NODE;
    assert_int_equal(itsm_html_write(pool, doc, &html, &len), APR_EGENERAL);
    xmlFreeDoc(doc);
    doc = tree("<p>caf\xc3\xa9</p>", NULL);
    xmlFree((xmlChar *)doc->encoding);
    doc->encoding = NULL;
    assert_int_equal(itsm_html_write(pool, doc, &html, &len), APR_EGENERAL);
    xmlFreeDoc(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(writes_what_libxslt_writes),
        cmocka_unit_test(leaves_other_forms_to_libxslt),
    };

    return itsm_unit_main(tests, NULL, NULL);
}
