/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Fields of type ITSM_TYPE_XHTML: a safe subset of XHTML (paragraphs, headings, lists, links,
 * code, tables, emphasis) parsed as safely as a request body, checked against a whitelist
 * (anything else is refused, naming the element or attribute; never sanitised), and written
 * back in one canonical form; its plain text (for search) and its blocks (for a diff by
 * paragraph). Part of the SDK: libxml2 + APR, unit-tested in tests/unit/test_field.c. */
#include <apr_strings.h>
#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <string.h>
#include <libxml/parser.h>
#include <libxml/entities.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlwriter.h>

#include "itsm.h"
#include "itsm_xml.h"

#define XHTML_NS "http://www.w3.org/1999/xhtml"
#define WRAPPER "itsm-xhtml-fragment"

/* The elements taken, and whether each is a block (a paragraph of its own for the plain
 * text and the diff). Only <a> carries an attribute: href. */
static const struct {
    const char *name;
    int block;
} allowed[] = {
    { "p", 1 }, { "h2", 1 }, { "h3", 1 }, { "h4", 1 }, { "ul", 1 }, { "ol", 1 }, { "li", 1 },
    { "pre", 1 }, { "table", 1 }, { "tr", 1 }, { "th", 0 }, { "td", 0 }, { "a", 0 },
    { "code", 0 }, { "em", 0 }, { "strong", 0 }, { "br", 1 },
};
#define N_ALLOWED (sizeof allowed / sizeof *allowed)

static int element_index(const xmlNode *n)
{
    size_t i;

    for (i = 0; i < N_ALLOWED; i++)
        if (strcmp((const char *)n->name, allowed[i].name) == 0)
            return (int)i;
    return -1;
}

/* An href: http, https or mailto, or relative (no scheme); no control character or space
 * anywhere (a browser drops them inside "java\tscript:"). */
static int href_ok(const char *v)
{
    const char *s, *colon = NULL;

    if (*v == '\0')
        return 0;
    for (s = v; *s; s++) {
        if ((unsigned char)*s <= 0x20 || *s == 0x7f || *s == '\\')
            return 0;
        if (colon == NULL && (*s == '/' || *s == '?' || *s == '#'))
            break;
        if (colon == NULL && *s == ':')
            colon = s;
    }
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || *s == 0x7f || *s == '\\')
            return 0;
    if (colon == NULL)
        return 1;       /* relative */
    return (colon - v == 4 && strncasecmp(v, "http", 4) == 0)
           || (colon - v == 5 && strncasecmp(v, "https", 5) == 0)
           || (colon - v == 6 && strncasecmp(v, "mailto", 6) == 0);
}

/* Checks the children of node against the whitelist; the first refusal in *why. */
static int check_nodes(apr_pool_t *p, const xmlNode *node, const char **why)
{
    const xmlNode *n;
    const xmlAttr *a;

    for (n = node->children; n; n = n->next) {
        switch (n->type) {
        case XML_TEXT_NODE:
        case XML_CDATA_SECTION_NODE:
            continue;
        case XML_ELEMENT_NODE:
            break;
        case XML_COMMENT_NODE:
            *why = "contains a comment, which is not accepted";
            return 0;
        case XML_PI_NODE:
            *why = apr_psprintf(p, "contains the processing instruction <?%s?>, which is not "
                                "accepted", (const char *)n->name);
            return 0;
        default:
            *why = "contains markup other than elements and text";
            return 0;
        }
        if (n->ns && strcmp((const char *)n->ns->href, ITSM_NS) != 0
            && strcmp((const char *)n->ns->href, XHTML_NS) != 0) {
            *why = apr_psprintf(p, "contains the element <%s%s%s> of namespace %s, which is "
                                "not accepted", n->ns->prefix ? (const char *)n->ns->prefix : "",
                                n->ns->prefix ? ":" : "", (const char *)n->name,
                                (const char *)n->ns->href);
            return 0;
        }
        if (element_index(n) < 0) {
            *why = apr_psprintf(p, "contains the element <%s>, which is not accepted: "
                                "p, h2, h3, h4, ul, ol, li, a, code, pre, table, tr, th, td, "
                                "em, strong, br", (const char *)n->name);
            return 0;
        }
        for (a = n->properties; a; a = a->next) {
            xmlChar *v;
            int ok;

            if (a->ns || strcmp((const char *)n->name, "a") != 0
                || strcmp((const char *)a->name, "href") != 0) {
                *why = apr_psprintf(p, "<%s> carries the attribute %s%s%s, which is not "
                                    "accepted (only href on <a>)", (const char *)n->name,
                                    a->ns && a->ns->prefix ? (const char *)a->ns->prefix : "",
                                    a->ns && a->ns->prefix ? ":" : "", (const char *)a->name);
                return 0;
            }
            v = xmlNodeGetContent((const xmlNode *)a);
            ok = href_ok(v ? (const char *)v : "");
            if (!ok)
                *why = apr_psprintf(p, "<a> has the href '%.100s', which is not accepted: "
                                    "http, https, mailto or a relative link",
                                    v ? (const char *)v : "");
            xmlFree(v);
            if (!ok)
                return 0;
        }
        /* an empty element: text inside it would be indexed and served, and dropped by
         * the pages (HTML's <br> has no content) */
        if (strcmp((const char *)n->name, "br") == 0 && n->children) {
            *why = apr_pstrdup(p, "contains a <br> with content: <br> is empty");
            return 0;
        }
        if (!check_nodes(p, n, why))
            return 0;
    }
    return 1;
}

/* Writes node (checked) in canonical form: the element's name without namespace, href
 * alone, text escaped. */
static void write_node(xmlTextWriterPtr w, const xmlNode *n)
{
    const xmlNode *c;

    if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
        /* escaped here, not by xmlTextWriterWriteString: outside any element (text at the
         * top of the fragment) the writer writes a string as it is, which turned the text
         * "&lt;p&gt;" into the markup <p> */
        xmlChar *e = xmlEncodeSpecialChars(NULL, n->content ? n->content : BAD_CAST "");

        if (e)
            xmlTextWriterWriteRaw(w, e);
        xmlFree(e);
        return;
    }
    if (n->type != XML_ELEMENT_NODE)
        return;
    xmlTextWriterStartElement(w, n->name);
    if (strcmp((const char *)n->name, "a") == 0) {
        xmlChar *href = xmlGetNoNsProp(n, BAD_CAST "href");

        if (href)
            xmlTextWriterWriteAttribute(w, BAD_CAST "href", href);
        xmlFree(href);
    }
    for (c = n->children; c; c = c->next)
        write_node(w, c);
    if (strcmp((const char *)n->name, "br") == 0)
        xmlTextWriterEndElement(w);
    else
        xmlTextWriterFullEndElement(w);
}

/* What fn writes with a writer of its own (baton its argument), as a string in p. */
static const char *written(apr_pool_t *p, void (*fn)(xmlTextWriterPtr w, const void *baton),
                           const void *baton)
{
    xmlBufferPtr buf = xmlBufferCreate();
    xmlTextWriterPtr w = buf ? xmlNewTextWriterMemory(buf, 0) : NULL;
    const char *out = "";

    if (w) {
        fn(w, baton);
        xmlTextWriterFlush(w);
        out = apr_pstrmemdup(p, (const char *)xmlBufferContent(buf),
                             (apr_size_t)xmlBufferLength(buf));
        xmlFreeTextWriter(w);
    }
    if (buf)
        xmlBufferFree(buf);
    return out;
}

/* The nodes from first up to (not including) stop. */
typedef struct node_run_t {
    const xmlNode *first, *stop;
} node_run_t;

static void write_run(xmlTextWriterPtr w, const void *baton)
{
    const node_run_t *run = baton;
    const xmlNode *n;

    for (n = run->first; n && n != run->stop; n = n->next)
        write_node(w, n);
}

/* The nodes from first up to (not including) stop, written in canonical form, in p. */
static const char *serialise(apr_pool_t *p, const xmlNode *first, const xmlNode *stop)
{
    node_run_t run = { first, stop };

    return written(p, write_run, &run);
}

/* What parse_fragment learns while libxml2 parses (the context's _private). */
typedef struct {
    apr_pool_t *p;
    int doctype;                /* a DOCTYPE was met: refused outright */
    const char *why;            /* the first error in the words of whoever typed the text */
} fragment_t;

/* SAX hook: a DOCTYPE cannot stand inside the wrapper element, but refuse it outright. */
static void no_doctype(void *vctxt, const xmlChar *name, const xmlChar *eid, const xmlChar *sid)
{
    xmlParserCtxtPtr ctxt = vctxt;

    ((fragment_t *)ctxt->_private)->doctype = 1;
    xmlStopParser(ctxt);
}

static int starts(const char *s, const char *prefix)
{
    return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

/* A parser error as an author typing markup into a form would say it: the first error, not
 * the last (one slip makes several), named by what was typed and what to type instead;
 * libxml2's own words for the rarer ones. The wrapper element shares the text's first line,
 * so lines count in the text. */
static const char *plain_error(apr_pool_t *p, const xmlError *e)
{
    const char *s1 = e->str1, *s2 = e->str2, *m = e->message ? e->message : "cannot be parsed";
    const char *what;
    apr_size_t n;

    switch (e->code) {
    case XML_ERR_ENTITYREF_SEMICOL_MISSING:
        what = "an '&' that starts no character reference: write &amp; for the character";
        break;
    case XML_ERR_UNDECLARED_ENTITY:
    case XML_WAR_UNDECLARED_ENTITY:
        what = apr_psprintf(p, "&%s; is not known in XHTML: write the character itself, or "
                            "its number (&#160; for a no-break space)", s1 ? s1 : "");
        break;
    case XML_ERR_NAME_REQUIRED:
        what = starts(m, "xmlParseEntityRef")
            ? "an '&' that starts no character reference: write &amp; for the character"
            : starts(m, "StartTag")
            ? "a '<' that starts no tag: write &lt; for the character" : NULL;
        break;
    case XML_ERR_TAG_NAME_MISMATCH:
        what = !s1 || !s2 ? NULL
            : strcmp(s2, WRAPPER) == 0
            ? apr_psprintf(p, "<%s> (line %d) is not closed", s1, e->int1)
            : strcmp(s1, WRAPPER) == 0
            ? apr_psprintf(p, "</%s> closes no open element", s2)
            : apr_psprintf(p, "<%s> (line %d) is not closed before </%s>", s1, e->int1, s2);
        break;
    case XML_ERR_ATTRIBUTE_NOT_STARTED:
    case XML_ERR_ATTRIBUTE_NOT_FINISHED:
        what = "an attribute's value must be in quotes (href=\"...\")";
        break;
    case XML_ERR_ATTRIBUTE_WITHOUT_VALUE:
        what = apr_psprintf(p, "the attribute %s has no value (%s=\"...\")", s1 ? s1 : "",
                            s1 ? s1 : "");
        break;
    case XML_ERR_ATTRIBUTE_REDEFINED:
        what = apr_psprintf(p, "the attribute %s is written twice", s1 ? s1 : "");
        break;
    case XML_ERR_LT_IN_ATTRIBUTE:
        what = "a '<' in an attribute's value: write &lt; for the character";
        break;
    case XML_ERR_INVALID_CHAR:
    case XML_ERR_INVALID_CHARREF:
        what = "a character that XML does not allow (a control character)";
        break;
    default:
        what = NULL;
    }
    if (what == NULL) {
        char *own = apr_pstrdup(p, m);

        for (n = strlen(own); n && (own[n - 1] == '\n' || own[n - 1] == ' '); )
            own[--n] = '\0';
        what = own;
    }
    return e->line > 0 ? apr_psprintf(p, "is not well-formed XHTML (line %d): %s", e->line, what)
                       : apr_pstrcat(p, "is not well-formed XHTML: ", what, NULL);
}

/* SAX error hook (the context's serror): keeps the first error. */
static void first_error(void *vctxt, xmlErrorPtr e)
{
    xmlParserCtxtPtr ctxt = vctxt;
    fragment_t *f = ctxt->_private;

    if (f->why == NULL && e)
        f->why = plain_error(f->p, e);
}

/* text parsed as the content of a wrapper element, as safely as a request body; NULL and
 * *why when it is not well-formed. Free the result with xmlFreeDoc. */
static xmlDocPtr parse_fragment(apr_pool_t *p, const char *text, const char **why)
{
    const char *s = apr_pstrcat(p, "<" WRAPPER ">", text, "</" WRAPPER ">", NULL);
    size_t len = strlen(s);
    xmlParserCtxtPtr ctxt;
    xmlDocPtr doc = NULL;
    fragment_t f = { p, 0, NULL };

    if (strstr(text, "<!DOCTYPE") || strstr(text, "<!doctype")) {
        *why = "contains a DOCTYPE, which is not accepted";
        return NULL;
    }
    if (len > INT_MAX || (ctxt = xmlCreateMemoryParserCtxt(s, (int)len)) == NULL) {
        *why = "cannot be parsed";
        return NULL;
    }
    xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING
                            | XML_PARSE_NOCDATA);
    ctxt->sax->internalSubset = no_doctype;
    ctxt->sax->externalSubset = NULL;
    ctxt->sax->serror = first_error;      /* called with userData: the context itself */
    ctxt->_private = &f;
    xmlParseDocument(ctxt);
    if (ctxt->wellFormed && ctxt->nsWellFormed && !f.doctype)
        doc = ctxt->myDoc;
    else {
        *why = f.doctype ? "contains a DOCTYPE, which is not accepted"
             : f.why ? f.why : "is not well-formed XHTML";
        if (ctxt->myDoc)
            xmlFreeDoc(ctxt->myDoc);
    }
    ctxt->_private = NULL;
    xmlFreeParserCtxt(ctxt);
    return doc;
}

/* ---- the canonical form, recognised without a tree ------------------------------------- */

/* The length of the UTF-8 sequence of an XML character at s (tab, newline, U+0020 and up but
 * not U+FFFE, U+FFFF, surrogates or overlong forms), 0 for anything else. Carriage returns are
 * not taken: the parser turns them into newlines. */
static apr_size_t xml_char_len(const unsigned char *s)
{
    unsigned int c;
    apr_size_t n, i;

    if (s[0] < 0x80)
        return s[0] >= 0x20 || s[0] == '\t' || s[0] == '\n';
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        n = 2, c = s[0] & 0x1f;
    else if (s[0] >= 0xe0 && s[0] <= 0xef)
        n = 3, c = s[0] & 0x0f;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4)
        n = 4, c = s[0] & 0x07;
    else
        return 0;
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3f);
    }
    if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff))
        || (c >= 0xd800 && c <= 0xdfff) || c == 0xfffe || c == 0xffff)
        return 0;
    return n;
}

/* The length of the entity at s (at its '&') if it is one that the writer writes: in text
 * &lt; &gt; &amp; &quot; and &#13; (a carriage return), in an attribute the first four; 0
 * otherwise. */
static apr_size_t entity_len(const char *s, int in_attr)
{
    static const char *const entities[] = { "&lt;", "&gt;", "&amp;", "&quot;", "&#13;" };
    size_t i;

    for (i = 0; i < (in_attr ? 4 : 5); i++)
        if (strncmp(s, entities[i], strlen(entities[i])) == 0)
            return strlen(entities[i]);
    return 0;
}

/* Bytes that stand for themselves in canonical text: printable ASCII but the four that the
 * writer escapes or that start markup, and the space, tab and newline; a table, because the
 * scan tests every byte of a body with it. */
#define PLAIN_ROW(b) ((b) >= 0x20 && (b) < 0x7f && (b) != '<' && (b) != '&' && (b) != '>' \
                      && (b) != '"') || (b) == '\t' || (b) == '\n'
#define PLAIN_8(b) PLAIN_ROW(b), PLAIN_ROW(b + 1), PLAIN_ROW(b + 2), PLAIN_ROW(b + 3), \
                   PLAIN_ROW(b + 4), PLAIN_ROW(b + 5), PLAIN_ROW(b + 6), PLAIN_ROW(b + 7)
static const unsigned char plain_text[128] = {
    PLAIN_8(0x00), PLAIN_8(0x08), PLAIN_8(0x10), PLAIN_8(0x18), PLAIN_8(0x20), PLAIN_8(0x28),
    PLAIN_8(0x30), PLAIN_8(0x38), PLAIN_8(0x40), PLAIN_8(0x48), PLAIN_8(0x50), PLAIN_8(0x58),
    PLAIN_8(0x60), PLAIN_8(0x68), PLAIN_8(0x70), PLAIN_8(0x78),
};
#define PLAIN(c) ((unsigned char)(c) < 0x80 && plain_text[(unsigned char)(c)])

/* The length of the run of plain bytes at s, at most n. Eight bytes at a time while none of
 * them needs a look (the bit tests of "Bit Twiddling Hacks", exact as yes-or-no answers: a
 * byte of 0x80 or more, below 0x20, or one of the four), then a byte at a time. */
static apr_size_t plain_run(const char *s, apr_size_t n)
{
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    apr_size_t i = 0;

#ifdef __SSE2__
    /* sixteen at a time where the CPU has SSE2 (every x86-64): a signed compare with 0x20
     * finds the bytes below it and those of 0x80 and above at once */
    for (; i + 16 <= n; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        __m128i bad = _mm_or_si128(
            _mm_or_si128(_mm_cmplt_epi8(x, _mm_set1_epi8(0x20)),
                         _mm_cmpeq_epi8(x, _mm_set1_epi8('<'))),
            _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('&')),
                                      _mm_cmpeq_epi8(x, _mm_set1_epi8('>'))),
                         _mm_cmpeq_epi8(x, _mm_set1_epi8('"'))));

        if (_mm_movemask_epi8(bad))
            break;
    }
#endif
#define ZERO_BYTE(v) (((v) - ones) & ~(v) & highs)
    for (; i + 8 <= n; i += 8) {
        uint64_t x;

        memcpy(&x, s + i, 8);
        if ((x & highs) | ((x - ones * 0x20) & ~x & highs) | ZERO_BYTE(x ^ (ones * '<'))
            | ZERO_BYTE(x ^ (ones * '&')) | ZERO_BYTE(x ^ (ones * '>'))
            | ZERO_BYTE(x ^ (ones * '"')))
            break;
    }
#undef ZERO_BYTE
    while (i < n && PLAIN(s[i]))
        i++;
    return i;
}

#define CANONICAL_DEPTH 64

/* Whether text is already in the form itsm_xhtml_check writes, so that the check would answer
 * it unchanged: elements of allowed[] only, without prefix or namespace, properly nested,
 * empty as <p></p> except <br/>, which is always empty; <a> with no attribute or with href
 * alone, in double quotes, that href_ok takes, its value printable ASCII with the entities
 * the writer uses; text of XML characters in UTF-8 with no raw '>', '"' or carriage return
 * and only the writer's entities. Such a text is a fixed point of parse, check and serialise,
 * so it needs neither. Every value the core stored through itsm_xhtml_check is one, and a
 * stored article's body is read far more often than it is written: a search page renders
 * twenty (docs/performance.md, "A cached search"). Written here, a recogniser of our own
 * output and nothing more, because libxml2 offers no check cheaper than a parse into a tree;
 * anything it does not take goes to the full check, which decides. */
int itsm_xhtml_canonical(const char *text)
{
    const char *stack[CANONICAL_DEPTH];
    int depth = 0;
    const char *s = text, *end = text + strlen(text);

    while (*s) {
        if (*s == '&') {
            apr_size_t n = entity_len(s, 0);

            if (n == 0)
                return 0;
            s += n;
        }
        else if (*s == '<' && s[1] == '/') {
            apr_size_t n;

            if (depth == 0)
                return 0;
            n = strlen(stack[depth - 1]);
            if (strncmp(s + 2, stack[depth - 1], n) != 0 || s[2 + n] != '>')
                return 0;
            depth--;
            s += 3 + n;
        }
        else if (*s == '<') {
            apr_size_t n = 0, i;
            const char *name = NULL;

            while (n < 8 && ((s[1 + n] >= 'a' && s[1 + n] <= 'z') || (s[1 + n] >= '0'
                                                                    && s[1 + n] <= '9')))
                n++;    /* the longest allowed name has six letters */
            for (i = 0; i < N_ALLOWED && name == NULL; i++)
                if (allowed[i].name[0] == s[1] && strncmp(s + 1, allowed[i].name, n) == 0
                    && allowed[i].name[n] == '\0')
                    name = allowed[i].name;
            if (name == NULL)
                return 0;
            s += 1 + n;
            if (strcmp(name, "br") == 0) {
                if (strncmp(s, "/>", 2) != 0)
                    return 0;
                s += 2;
                continue;
            }
            if (strcmp(name, "a") == 0 && strncmp(s, " href=\"", 7) == 0) {
                char href[2048];
                apr_size_t len = 0;

                for (s += 7; *s != '"'; ) {
                    char c = *s;

                    if (c == '&') {
                        apr_size_t e = entity_len(s, 1);

                        if (e == 0)
                            return 0;
                        c = s[1] == 'l' ? '<' : s[1] == 'g' ? '>' : s[1] == 'a' ? '&' : '"';
                        s += e;
                    }
                    else if (c > 0x20 && c < 0x7f && c != '<' && c != '>')
                        s++;
                    else
                        return 0;       /* the writer escapes other bytes, or the value ends */
                    if (len == sizeof href - 1)
                        return 0;
                    href[len++] = c;
                }
                href[len] = '\0';
                if (!href_ok(href))
                    return 0;
                s++;
            }
            if (*s != '>' || depth == CANONICAL_DEPTH)
                return 0;
            stack[depth++] = name;
            s++;
        }
        else if (*s == '>' || *s == '"')
            return 0;
        else if (PLAIN(*s))
            s += plain_run(s, (apr_size_t)(end - s));      /* most of a body */
        else {
            apr_size_t n = xml_char_len((const unsigned char *)s);

            if (n == 0)
                return 0;
            s += n;
        }
    }
    return depth == 0;
}

apr_status_t itsm_xhtml_check(apr_pool_t *p, const char *text, const char **value,
                              const char **why)
{
    if (itsm_xhtml_canonical(text)) {
        *value = text;
        return APR_SUCCESS;
    }
    return itsm_xhtml_check_tree(p, text, value, why);
}

apr_status_t itsm_xhtml_check_tree(apr_pool_t *p, const char *text, const char **value,
                                   const char **why)
{
    xmlDocPtr doc = parse_fragment(p, text, why);
    xmlNodePtr root;
    int ok;

    if (doc == NULL)
        return APR_EINVAL;
    root = xmlDocGetRootElement(doc);
    ok = check_nodes(p, root, why);
    if (ok)
        *value = serialise(p, root->children, NULL);
    xmlFreeDoc(doc);
    return ok ? APR_SUCCESS : APR_EINVAL;
}

/* Plain text being built, a char array. */
struct text_buf {
    apr_array_header_t *chars;
};

static void put(struct text_buf *b, const char *s, apr_size_t n)
{
    while (n--)
        APR_ARRAY_PUSH(b->chars, char) = *s++;
}

static void newline(struct text_buf *b)
{
    if (b->chars->nelts && APR_ARRAY_IDX(b->chars, b->chars->nelts - 1, char) != '\n')
        APR_ARRAY_PUSH(b->chars, char) = '\n';
}

/* Appends the text of n's subtree to b, a new line around each block. */
static void text_of(apr_pool_t *p, const xmlNode *n, struct text_buf *b)
{
    const xmlNode *c;
    int i;

    if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
        if (n->content)
            put(b, (const char *)n->content, strlen((const char *)n->content));
        return;
    }
    if (n->type != XML_ELEMENT_NODE)
        return;
    i = element_index(n);
    if (i >= 0 && allowed[i].block)
        newline(b);
    else if (i >= 0 && (strcmp(allowed[i].name, "td") == 0 || strcmp(allowed[i].name, "th") == 0)
             && b->chars->nelts && APR_ARRAY_IDX(b->chars, b->chars->nelts - 1, char) != '\n')
        put(b, " ", 1);
    for (c = n->children; c; c = c->next)
        text_of(p, c, b);
    if (i >= 0 && allowed[i].block)
        newline(b);
}

const char *itsm_xhtml_text(apr_pool_t *p, const char *value)
{
    const char *why;
    xmlDocPtr doc;
    struct text_buf b;
    const xmlNode *c;

    value = value ? value : "";
    doc = parse_fragment(p, value, &why);
    if (doc == NULL)
        return "";
    b.chars = apr_array_make(p, (int)strlen(value) + 1, 1);
    for (c = xmlDocGetRootElement(doc)->children; c; c = c->next)
        text_of(p, c, &b);
    xmlFreeDoc(doc);
    while (b.chars->nelts && APR_ARRAY_IDX(b.chars, b.chars->nelts - 1, char) == '\n')
        b.chars->nelts--;
    APR_ARRAY_PUSH(b.chars, char) = '\0';
    return b.chars->elts[0] == '\n' ? b.chars->elts + 1 : b.chars->elts;
}

apr_array_header_t *itsm_xhtml_blocks(apr_pool_t *p, const char *value)
{
    apr_array_header_t *blocks = apr_array_make(p, 8, sizeof(const char *));
    const char *why;
    xmlDocPtr doc = parse_fragment(p, value ? value : "", &why);
    const xmlNode *c, *run = NULL;

    if (doc == NULL)
        return blocks;
    /* each block element is one block; inline content between blocks is one block */
    for (c = xmlDocGetRootElement(doc)->children;; c = c->next) {
        int i = c ? element_index(c) : -1;
        int block = c && c->type == XML_ELEMENT_NODE && i >= 0 && allowed[i].block;

        if (c == NULL || block) {
            if (run) {
                const char *s = serialise(p, run, c);
                const char *t = s;

                while (*t && isspace((unsigned char)*t))
                    t++;
                if (*t)
                    APR_ARRAY_PUSH(blocks, const char *) = s;
                run = NULL;
            }
            if (c == NULL)
                break;
            APR_ARRAY_PUSH(blocks, const char *) = serialise(p, c, c->next);
        }
        else if (run == NULL)
            run = c;
    }
    xmlFreeDoc(doc);
    return blocks;
}

apr_array_header_t *itsm_text_paragraphs(apr_pool_t *p, const char *text)
{
    apr_array_header_t *out = apr_array_make(p, 8, sizeof(const char *));
    const char *s = text ? text : "";

    while (*s) {
        const char *end = strstr(s, "\n\n"), *e;
        apr_size_t n = end ? (apr_size_t)(end - s) : strlen(s);
        const char *para = apr_pstrmemdup(p, s, n);

        for (e = para; *e && isspace((unsigned char)*e); e++)
            ;
        if (*e)
            APR_ARRAY_PUSH(out, const char *) = para;
        s += n;
        while (*s == '\n' || *s == '\r')
            s++;
    }
    return out;
}

static void write_paragraphs(xmlTextWriterPtr w, const void *baton)
{
    const apr_array_header_t *paras = baton;
    int i;

    for (i = 0; i < paras->nelts; i++) {
        xmlTextWriterStartElement(w, BAD_CAST "p");
        xmlTextWriterWriteString(w, BAD_CAST APR_ARRAY_IDX(paras, i, const char *));
        xmlTextWriterEndElement(w);
    }
}

const char *itsm_xhtml_from_text(apr_pool_t *p, const char *text)
{
    return written(p, write_paragraphs, itsm_text_paragraphs(p, text));
}
