/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* The response writer (itsm_xml_out_t) against libxml2's xmlTextWriter, set up as the core
 * set it up before it had a writer of its own: the same calls to both, the same bytes out.
 * Hand-written documents (every escaped byte, UTF-8 and broken UTF-8 in attributes, empty
 * elements, NULL values, the namespace on a root with attributes) and many generated ones
 * (nesting past the first stack, buffers past their first size, formatted values, raw
 * pieces). Where ours writes U+FFFD for invalid UTF-8, libxml2 is given the text with
 * U+FFFD put there (repaired()); the replacement itself is tested on its own. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <apr_strings.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlwriter.h>

#include <libxml/parser.h>

#include "unit_main.h"
#include "itsm.h"
#include "itsm_codec.h"
#include "itsm_xml.h"
#include "xml_int.h"

/* Both writers, driven together; log records the calls for a failure's message. */
typedef struct pair_t {
    itsm_xml_out_t *ours;
    xmlBufferPtr buf;
    xmlTextWriterPtr w;
    char log[8192];
    size_t log_len;
} pair_t;

static void note(pair_t *d, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (d->log_len >= sizeof d->log - 1)
        return;
    va_start(ap, fmt);
    n = vsnprintf(d->log + d->log_len, sizeof d->log - d->log_len, fmt, ap);
    va_end(ap);
    if (n > 0)
        d->log_len += (size_t)n < sizeof d->log - d->log_len ? (size_t)n
                                                             : sizeof d->log - d->log_len - 1;
}

/* libxml2's writer reports a byte that is no UTF-8 in an attribute; the bytes are what the
 * test compares, not the report */
static void silent(void *ctx, const char *msg, ...)
{
}

static void pair_start(pair_t *d, const char *root, const char *ns)
{
    memset(d, 0, sizeof *d);
    d->ours = ns ? itsm_xml_out_start_ns(pool, root, ns) : itsm_xml_out_start(pool, root);
    d->buf = xmlBufferCreateSize(1024);
    d->w = xmlNewTextWriterMemory(d->buf, 0);
    assert_non_null(d->w);
    xmlTextWriterWriteRaw(d->w, BAD_CAST "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xmlTextWriterStartElementNS(d->w, NULL, BAD_CAST root, BAD_CAST(ns ? ns : ITSM_NS));
    note(d, "start(%s)", root);
}

/* Both documents ended and compared, byte for byte; the pair freed. */
static void pair_end_equal(pair_t *d)
{
    apr_size_t len;
    const char *ours = itsm_xml_out_end(d->ours, &len);
    const char *theirs;
    size_t tlen;

    xmlTextWriterEndDocument(d->w);
    xmlTextWriterFlush(d->w);
    theirs = (const char *)xmlBufferContent(d->buf);
    tlen = (size_t)xmlBufferLength(d->buf);
    if (len != tlen || memcmp(ours, theirs, len) != 0 || ours[len] != '\0') {
        size_t i = 0;

        while (i < len && i < tlen && ours[i] == theirs[i])
            i++;
        print_error("first difference at byte %zu (of %zu ours, %zu libxml2's)\n"
                    "ours:    %.200s\nlibxml2: %.200s\n", i, (size_t)len, tlen,
                    ours + (i > 40 ? i - 40 : 0), theirs + (i > 40 ? i - 40 : 0));
        print_error("calls (the last ones): %s\n",
                    d->log + (d->log_len > 1000 ? d->log_len - 1000 : 0));
        fail();
    }
    xmlFreeTextWriter(d->w);
    xmlBufferFree(d->buf);
}

static void start(pair_t *d, const char *name)
{
    note(d, " start(%s)", name ? name : "NULL");
    itsm_xml_start_element(d->ours, name);
    xmlTextWriterStartElement(d->w, BAD_CAST name);
}

static void start_ns(pair_t *d, const char *name, const char *ns)
{
    note(d, " start_ns(%s,%s)", name, ns);
    itsm_xml_start_element_ns(d->ours, name, ns);
    xmlTextWriterStartElementNS(d->w, NULL, BAD_CAST name, BAD_CAST ns);
}

static void end(pair_t *d)
{
    note(d, " end");
    itsm_xml_end_element(d->ours);
    xmlTextWriterEndElement(d->w);
}

static void full_end(pair_t *d)
{
    note(d, " full_end");
    itsm_xml_full_end_element(d->ours);
    xmlTextWriterFullEndElement(d->w);
}

/* text with U+FFFD for each byte that starts no valid UTF-8 sequence and for each character
 * past ASCII that XML does not allow: what ours writes of text, given to libxml2. */
static const char *repaired(const char *text)
{
    apr_size_t n, i = 0;
    char *out, *o;
    long cp;
    int len;

    if (text == NULL)
        return NULL;
    n = strlen(text);
    o = out = apr_palloc(pool, 3 * n + 1);
    while (i < n) {
        cp = itsm_utf8_decode(text + i, n - i, &len);
        if (cp < 0 || (cp >= 0x80 && (cp == 0xFFFE || cp == 0xFFFF))) {
            memcpy(o, "\xEF\xBF\xBD", 3);
            o += 3;
        }
        else {
            memcpy(o, text + i, (size_t)len);
            o += len;
        }
        i += (apr_size_t)len;
    }
    *o = '\0';
    return out;
}

static void attribute(pair_t *d, const char *name, const char *value)
{
    note(d, " attr(%s)", name);
    itsm_xml_write_attribute(d->ours, name, value);
    xmlTextWriterWriteAttribute(d->w, BAD_CAST name, BAD_CAST repaired(value));
}

static void string(pair_t *d, const char *text)
{
    note(d, " string");
    itsm_xml_write_string(d->ours, text);
    xmlTextWriterWriteString(d->w, BAD_CAST repaired(text));
}

static void raw(pair_t *d, const char *markup, size_t len)
{
    note(d, " raw(%zu)", len);
    itsm_xml_write_raw_len(d->ours, markup, len);
    xmlTextWriterWriteRawLen(d->w, BAD_CAST markup, (int)len);
}

static void element(pair_t *d, const char *name, const char *text)
{
    note(d, " element(%s)", name);
    itsm_xml_element(d->ours, name, text);
    if (text)       /* ours writes nothing for NULL, libxml2's an empty element */
        xmlTextWriterWriteElement(d->w, BAD_CAST name, BAD_CAST repaired(text));
}

static void empty(pair_t *d, const char *name, const char *const *attrs, int n)
{
    int i;

    note(d, " empty(%s,%d)", name, n);
    itsm_xml_empty_element(d->ours, name, attrs, n);
    xmlTextWriterStartElement(d->w, BAD_CAST name);
    for (i = 0; i < n; i++)
        if (attrs[2 * i + 1])
            xmlTextWriterWriteAttribute(d->w, BAD_CAST attrs[2 * i],
                                        BAD_CAST repaired(attrs[2 * i + 1]));
    xmlTextWriterEndElement(d->w);
}

static const char specials[] = "plain <>&\"'\r\n\t text ]]> &amp; \x01\x1f\x7f";

/* n copies of c, NUL-terminated, in the test's pool: a text longer than a buffer. */
static char *filled(apr_size_t n, char c)
{
    char *s = apr_palloc(pool, n + 1);

    memset(s, c, n);
    s[n] = '\0';
    return s;
}

/* Element content: every escaped byte, UTF-8, an empty text, NULL, text longer than the
 * first buffer, with and without an open start tag before it. */
static void texts_as_libxml2(void **state)
{
    char *longer = filled(5000, '&');
    const char *texts[] = {
        "plain", "", specials, "Gr\xc3\xbc\xc3\x9f" "e \xe2\x82\xac \xf0\x9f\x98\x80",
        NULL, longer, "&amp; already escaped", "]]> <![CDATA[ x ]]>", "\xff\xfe broken \xc3",
    };
    pair_t d;
    size_t i;

    longer[1000] = '<';
    longer[4000] = '\r';
    pair_start(&d, "ticket", NULL);
    attribute(&d, "n", "1");
    for (i = 0; i < sizeof texts / sizeof *texts; i++) {
        element(&d, "title", texts[i]);
        start(&d, "p");
        string(&d, texts[i]);
        end(&d);
        string(&d, texts[i]);
        start(&d, "empty");
        end(&d);
    }
    pair_end_equal(&d);
}

/* Attribute values: every escaped byte, UTF-8 as character references, sequences that are
 * no UTF-8 of an XML character (a stray continuation byte, an overlong form, a surrogate,
 * past U+10FFFF, a lead byte cut by the end of the string, 0xF8 and above), an empty value,
 * NULL (written as an empty value), no attribute at all, the empty element helper. */
static void attributes_as_libxml2(void **state)
{
    char *longer = filled(3000, '"');
    const char *const values[] = {
        "in-sla", "", specials, "Gr\xc3\xbc\xc3\x9f" "e \xe2\x82\xac \xf0\x9f\x98\x80",
        "\x80 stray", "\xc0\x80 overlong nul", "\xc1\xbf overlong", "\xed\xa0\x80 surrogate",
        "\xf4\x90\x80\x80 past", "\xf7\xbf\xbf\xbf", "\xf8\x88\x80\x80\x80", "\xff\xfe",
        "cut \xc3", "cut \xe2\x82", "cut \xf0\x9f\x98", "\xe2\x82", "\xef\xbf\xbe nonchar",
        "\xef\xbf\xbd replacement", "\xc2\x85 nel \xc2\xa0 nbsp", "\xe2 x", "\xc3x",
        "\xf0\x9f x", longer,
    };
    const char *const plain[] = { "kind", "resolution", "due", "2026-12-02T10:00:00Z",
                                  "paused", NULL, "status", "in-sla" };
    pair_t d;
    size_t i;

    longer[10] = '\xc3';
    longer[11] = '\xa9';
    pair_start(&d, "sla", NULL);
    for (i = 0; i < sizeof values / sizeof *values; i++) {
        attribute(&d, apr_psprintf(pool, "a%d", (int)i), values[i]);
        start(&d, "target");
        attribute(&d, "v", values[i]);
        end(&d);
        empty(&d, "target", (const char *const[]){ "v", values[i], "w", "x" }, 2);
    }
    empty(&d, "target", plain, 4);
    empty(&d, "target", plain, 0);
    /* NULL: libxml2 leaves the attribute open and closes it with the next call */
    start(&d, "x");
    attribute(&d, "a", NULL);
    attribute(&d, "b", "1");
    attribute(&d, "c", NULL);
    end(&d);
    start(&d, "y");
    attribute(&d, "a", NULL);
    start(&d, "z");
    end(&d);
    full_end(&d);
    /* an attribute after content: nowhere to go, written by neither */
    start(&d, "late");
    string(&d, "text");
    attribute(&d, "no", "1");
    end(&d);
    pair_end_equal(&d);
}

/* The namespace: declared after the root's attributes, on a root without any, on a nested
 * element, escaped; a root left empty; elements left open at the end; no name. */
static void namespaces_and_ends_as_libxml2(void **state)
{
    pair_t d;

    pair_start(&d, "list", NULL);
    attribute(&d, "collection", "tests");
    attribute(&d, "more", "false");
    start_ns(&d, "feed", "http://www.w3.org/2005/Atom");
    attribute(&d, "xml:lang", "en");
    start_ns(&d, "entry", "urn:x?a=1&b=\"2\"");
    end(&d);
    start_ns(&d, "entry", "");
    string(&d, "x");
    start(&d, "open");
    start(&d, "");
    start(&d, NULL);
    start(&d, "deeper");
    attribute(&d, "left", "open");
    pair_end_equal(&d);

    pair_start(&d, "login", "urn:mod-itsm:portal:1");
    pair_end_equal(&d);
    pair_start(&d, "error", NULL);
    attribute(&d, "status", "404");
    pair_end_equal(&d);
    pair_start(&d, "page", NULL);
    full_end(&d);
    end(&d);
    full_end(&d);
    pair_end_equal(&d);
}

/* A small deterministic generator (xorshift), so that a failure names its seed. */
static uint64_t rng;

static unsigned int rnd(unsigned int n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned int)(rng % n);
}

/* A string of up to max bytes: pieces of the specials, valid and broken UTF-8, or any byte
 * but the NUL. */
static char *gen_text(unsigned int max)
{
    static const char *const pieces[] = {
        "<", ">", "&", "\"", "'", "\r", "\n", "\t", " ", "a", "Z", "0", "\xc3\xa9",
        "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xed\xa0\x80", "\xc0\x80", "\x80", "\xff", "\xc3",
        "\xe2\x82", "&amp;", "]]>", "\x01", "\x7f", "\xef\xbf\xbf", "\xf4\x8f\xbf\xbf",
    };
    unsigned int n = rnd(max + 1), i = 0;
    char *s = apr_palloc(pool, 4 * (apr_size_t)n + 5);

    while (i < n) {
        if (rnd(3) == 0)
            s[i++] = (char)(1 + rnd(255));
        else {
            const char *p = pieces[rnd(sizeof pieces / sizeof *pieces)];
            size_t l = strlen(p);

            memcpy(s + i, p, l);
            i += (unsigned int)l;
        }
    }
    s[i] = '\0';
    return s;
}

static const char *gen_name(void)
{
    static const char *const names[] = {
        "a", "ticket", "number", "x-y", "sla.target", "h:ns", "p", "br",
        "averyveryverylongelementnamethatgoesonandonandon",
    };

    return names[rnd(sizeof names / sizeof *names)];
}

/* One generated document: up to ops calls of every kind, nesting up to 40 deep. */
static void generated_document(uint64_t seed, int ops)
{
    pair_t d;
    int depth = 1, i;

    rng = seed * 2654435761u + 1;
    pair_start(&d, gen_name(), rnd(4) ? NULL : "http://www.w3.org/2005/Atom");
    note(&d, " seed=%llu", (unsigned long long)seed);
    for (i = 0; i < ops; i++) {
        switch (rnd(14)) {
        case 0:
        case 1:
            if (depth < 40) {
                start(&d, gen_name());
                depth++;
            }
            break;
        case 2:
            if (depth < 40) {
                start_ns(&d, gen_name(), rnd(2) ? "urn:mod-itsm:xml:1" : "urn:a&b<c>\"d\"");
                depth++;
            }
            break;
        case 3:
        case 4:
            if (depth > 1) {
                if (rnd(3))
                    end(&d);
                else
                    full_end(&d);
                depth--;
            }
            break;
        case 5:
        case 6:
            attribute(&d, gen_name(), gen_text(rnd(10) ? 12 : 300));
            break;
        case 7: {
            int v = (int)rnd(2000000) - 1000000;

            note(&d, " attrf");
            itsm_xml_write_attributef(d.ours, "n", "%d", v);
            xmlTextWriterWriteFormatAttribute(d.w, BAD_CAST "n", "%d", v);
            note(&d, " attrf");
            itsm_xml_write_attributef(d.ours, "m", "%s-%05.2f/%lld", "x<y", v / 7.0,
                                      (long long)v * 100003);
            xmlTextWriterWriteFormatAttribute(d.w, BAD_CAST "m", "%s-%05.2f/%lld", "x<y",
                                              v / 7.0, (long long)v * 100003);
            break;
        }
        case 8:
            string(&d, gen_text(rnd(10) ? 20 : 3000));
            break;
        case 9: {
            const char *t = gen_text(40);
            unsigned int a = rnd(100000), b = rnd(100000);

            note(&d, " stringf");
            itsm_xml_write_stringf(d.ours, "[%s|%u|%x]", t, a, b);
            xmlTextWriterWriteFormatString(d.w, "[%s|%u|%x]", repaired(t), a, b);
            break;
        }
        case 10:
        case 11:
            element(&d, gen_name(), rnd(8) ? gen_text(rnd(10) ? 30 : 2000) : NULL);
            break;
        case 12: {
            const char *attrs[6];
            int n = (int)rnd(4), k;

            for (k = 0; k < n; k++) {
                attrs[2 * k] = gen_name();
                attrs[2 * k + 1] = rnd(5) ? gen_text(15) : NULL;
            }
            empty(&d, gen_name(), attrs, n);
            break;
        }
        case 13: {
            const char *t = gen_text(rnd(10) ? 30 : 5000);

            raw(&d, t, strlen(t));
            break;
        }
        }
    }
    pair_end_equal(&d);
}

static void generated_documents_as_libxml2(void **state)
{
    uint64_t seed;

    for (seed = 1; seed <= 3000; seed++)
        generated_document(seed, (int)(seed % 200) + 1);
}

/* Formatted values past the stack buffer, every conversion the core uses, an empty one. */
static void formatted_as_libxml2(void **state)
{
    const char *longer = filled(9000, '<');
    pair_t d;

    pair_start(&d, "counts", NULL);
    itsm_xml_write_attributef(d.ours, "total", "%d", 42);
    xmlTextWriterWriteFormatAttribute(d.w, BAD_CAST "total", "%d", 42);
    itsm_xml_write_attributef(d.ours, "t", "%s", longer);
    xmlTextWriterWriteFormatAttribute(d.w, BAD_CAST "t", "%s", longer);
    itsm_xml_write_attributef(d.ours, "u", "%ld|%5.1f|%c|%%", -7L, 2.25, '&');
    xmlTextWriterWriteFormatAttribute(d.w, BAD_CAST "u", "%ld|%5.1f|%c|%%", -7L, 2.25, '&');
    itsm_xml_write_stringf(d.ours, "%s and %d", "a<b", -3);
    xmlTextWriterWriteFormatString(d.w, "%s and %d", "a<b", -3);
    itsm_xml_write_stringf(d.ours, "%s", longer);
    xmlTextWriterWriteFormatString(d.w, "%s", longer);
    itsm_xml_write_stringf(d.ours, "%s", "");
    xmlTextWriterWriteFormatString(d.w, "%s", "");
    pair_end_equal(&d);
}

/* Invalid UTF-8 (stored by an older build that cut a text inside a character) is written
 * as U+FFFD, in text and in attributes, and the document is well-formed; valid UTF-8 and
 * ASCII are left as they are. */
static void invalid_utf8_written_as_replacement(void **state)
{
    static const struct { const char *in, *text, *attr; } cases[] = {
        { "caf\xc3", "caf\xef\xbf\xbd", "caf&#xFFFD;" },
        { "caf\xc3\xa9", "caf\xc3\xa9", "caf&#xE9;" },
        { "\xe2\x82 x", "\xef\xbf\xbd\xef\xbf\xbd x", "&#xFFFD;&#xFFFD; x" },
        { "a\x80" "b", "a\xef\xbf\xbd" "b", "a&#xFFFD;b" },
        { "\xc0\x80", "\xef\xbf\xbd\xef\xbf\xbd", "&#xFFFD;&#xFFFD;" },
        { "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", "&#xFFFD;&#xFFFD;&#xFFFD;" },
        { "\xef\xbf\xbe<", "\xef\xbf\xbd&lt;", "&#xFFFD;&lt;" },
        { "\xf0\x9f\x98\x80\xff", "\xf0\x9f\x98\x80\xef\xbf\xbd", "&#x1F600;&#xFFFD;" },
        { "0123456789abcdef\xc3", "0123456789abcdef\xef\xbf\xbd", "0123456789abcdef&#xFFFD;" },
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof *cases; i++) {
        itsm_xml_out_t *o = itsm_xml_out_start(pool, "t");
        const char *doc, *want;
        apr_size_t len;
        xmlDocPtr parsed;

        itsm_xml_start_element(o, "e");
        itsm_xml_write_attribute(o, "a", cases[i].in);
        itsm_xml_write_string(o, cases[i].in);
        itsm_xml_end_element(o);
        itsm_xml_element(o, "f", cases[i].in);
        itsm_xml_write_stringf(o, "%s", cases[i].in);
        doc = itsm_xml_out_end(o, &len);
        want = apr_pstrcat(pool, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<t xmlns=\"",
                           ITSM_NS, "\"><e a=\"", cases[i].attr, "\">", cases[i].text,
                           "</e><f>", cases[i].text, "</f>", cases[i].text, "</t>\n", NULL);
        assert_string_equal(doc, want);
        parsed = xmlReadMemory(doc, (int)len, NULL, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR
                               | XML_PARSE_NOWARNING);
        assert_non_null(parsed);
        xmlFreeDoc(parsed);
    }
}

/* itsm_xml_text_span: how much of a text the writer copies as it is. */
static void text_span_table(void **state)
{
    static const struct { const char *in; apr_size_t span; } cases[] = {
        { "", 0 },
        { "a", 1 },
        { "abc", 3 },                       /* ASCII runs, odd and even */
        { "TST0000001", 10 },
        { "2026-12-06T22:17:09Z and some more words", 40 },
        { "tab\tnewline\n", 12 },           /* tab and newline are copied */
        { "a<b", 1 },                       /* each escape */
        { ">", 0 },
        { "ab&amp;", 2 },
        { "say \"hi\"", 4 },
        { "line\r\n", 4 },
        { "caf\xc3\xa9", 5 },               /* 2 bytes */
        { "\xc2\x80\xdf\xbf", 4 },          /* U+0080, U+07FF */
        { "\xe2\x82\xac 5", 5 },            /* 3 bytes: the euro sign */
        { "\xe0\xa0\x80\xef\xbf\xbd", 6 },  /* U+0800, U+FFFD */
        { "\xee\x80\x80\xed\x9f\xbf", 6 },  /* U+E000, U+D7FF around the surrogates */
        { "\xf0\x9f\x98\x80!", 5 },         /* 4 bytes */
        { "\xf0\x90\x80\x80\xf4\x8f\xbf\xbf", 8 },  /* U+10000, U+10FFFF */
        { "\xc3\xa9<\xc3\xa9", 2 },         /* a sequence, then an escape */
        { "ab\xe2\x82 x", 2 },              /* truncated: no continuation byte */
        { "\xc3(", 0 },
        { "\xe2\x82<", 0 },                 /* truncated by an escape */
        { "caf\xc3", 3 },                   /* a sequence cut at the buffer's end */
        { "\xe2\x82", 0 },
        { "xy\xf0\x9f\x98", 2 },
        { "a\x80" "b", 1 },                 /* a stray continuation byte */
        { "\xbf", 0 },
        { "\xc0\x80", 0 },                  /* overlong */
        { "\xc1\xbf", 0 },
        { "\xe0\x9f\xbf", 0 },
        { "\xf0\x8f\xbf\xbf", 0 },
        { "ok\xed\xa0\x80", 2 },            /* surrogates */
        { "\xed\xbf\xbf", 0 },
        { "\xef\xbf\xbe", 0 },              /* U+FFFE, U+FFFF: not XML characters */
        { "x\xef\xbf\xbf", 1 },
        { "\xf4\x90\x80\x80", 0 },          /* past U+10FFFF */
        { "\xf5\x80\x80\x80", 0 },
        { "\xf8\x88\x80\x80\x80", 0 },      /* 5- and 6-byte forms */
        { "\xfe\xff", 0 },
        { "\xf0\x9f\x98\x80\xff", 4 },
        { "0123456789abcdef\xc3", 16 },
    };
    static const char escaped[] = "<>&\"\r";
    char buf[8];
    size_t i, pre;

    for (i = 0; i < sizeof cases / sizeof *cases; i++)
        assert_int_equal(itsm_xml_text_span(cases[i].in), cases[i].span);
    /* each escaped byte at each place in the scan's turn of two bytes, after ASCII and
     * after a character of two bytes */
    for (i = 0; escaped[i]; i++)
        for (pre = 0; pre < 4; pre++) {
            memset(buf, 'x', sizeof buf);
            buf[pre] = escaped[i];
            buf[pre + 1] = 'y';
            buf[pre + 2] = '\0';
            assert_int_equal(itsm_xml_text_span(buf), pre);
            if (pre >= 2) {
                buf[pre - 2] = '\xc3';
                buf[pre - 1] = '\xa9';
                assert_int_equal(itsm_xml_text_span(buf), pre);
            }
        }
}

/* The span as repaired() and strcspn find it: through itsm_utf8_decode, a character at a
 * time, up to the first byte escaped in content. */
static apr_size_t span_by_decode(const char *s)
{
    apr_size_t i = 0, n = strcspn(s, "<>&\"\r");
    long cp;
    int len;

    while (i < n) {
        cp = itsm_utf8_decode(s + i, n - i, &len);
        if (cp < 0 || cp == 0xFFFE || cp == 0xFFFF)
            return i;
        i += (apr_size_t)len;
    }
    return n;
}

/* The span agrees with itsm_utf8_decode, XML's characters and the escaped bytes over every
 * sequence of up to three bytes (the third byte every value after a continuation byte), at
 * three places after ASCII and cut by the NUL at each length, and over 4-byte sequences
 * around the edges of their bytes. */
static void text_span_as_decode(void **state)
{
    char buf[16];
    unsigned int a, b, c, d;
    apr_size_t pre, n;

    for (a = 0x80; a < 0x100; a++)
        for (b = 1; b < 0x100; b++)
            for (c = 1; c < 0x100; c += (b & 0xc0) == 0x80 ? 1 : 0x3f)
                for (pre = 0; pre < 4; pre++)
                    for (n = pre + 1; n <= pre + 4; n++) {
                        memset(buf, 'x', sizeof buf);
                        buf[pre] = (char)a;
                        buf[pre + 1] = (char)b;
                        buf[pre + 2] = (char)c;
                        buf[n] = '\0';
                        assert_int_equal(itsm_xml_text_span(buf), span_by_decode(buf));
                    }
    for (a = 0xf0; a < 0x100; a++)
        for (b = 0x70; b < 0xd0; b++)
            for (c = 0x7f; c <= 0xc0; c += 0x41)
                for (d = 0x7f; d <= 0xc0; d++)
                    for (n = 1; n <= 5; n++) {
                        memset(buf, 'x', sizeof buf);
                        buf[0] = (char)a;
                        buf[1] = (char)b;
                        buf[2] = (char)c;
                        buf[3] = (char)d;
                        buf[n] = '\0';
                        assert_int_equal(itsm_xml_text_span(buf), span_by_decode(buf));
                    }
}

/* Each escape next to each kind of sequence, through the writer: the bytes escaped, valid
 * UTF-8 copied, invalid as U+FFFD, whichever comes first. */
static void escapes_around_sequences(void **state)
{
    static const struct { const char *in, *out; } cases[] = {
        { "a<b>c&d\"e\rf", "a&lt;b&gt;c&amp;d&quot;e&#13;f" },
        { "<\xc3\xa9>", "&lt;\xc3\xa9&gt;" },
        { "&\xe2\x82\xac\"", "&amp;\xe2\x82\xac&quot;" },
        { "\r\xf0\x9f\x98\x80<", "&#13;\xf0\x9f\x98\x80&lt;" },
        { "\xc3<\xe2\x82&", "\xef\xbf\xbd&lt;\xef\xbf\xbd\xef\xbf\xbd&amp;" },
        { "\xef\xbf\xbf>\xed\xa0\x80\"", "\xef\xbf\xbd&gt;\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd&quot;" },
        { "tab\there\nnewline", "tab\there\nnewline" },
        { "\xc0\xaf<", "\xef\xbf\xbd\xef\xbf\xbd&lt;" },
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof *cases; i++) {
        itsm_xml_out_t *o = itsm_xml_out_start(pool, "t");
        const char *doc;
        apr_size_t len;

        itsm_xml_write_string(o, cases[i].in);
        doc = itsm_xml_out_end(o, &len);
        assert_string_equal(doc, apr_pstrcat(pool, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                             "<t xmlns=\"", ITSM_NS, "\">", cases[i].out,
                                             "</t>\n", NULL));
    }
}

/* The text ends with a NUL not counted in its length, and lives as long as the pool. */
static void text_terminated_in_pool(void **state)
{
    apr_pool_t *p;
    itsm_xml_out_t *o;
    const char *text;
    apr_size_t len;
    int i;

    apr_pool_create(&p, pool);
    o = itsm_xml_out_start(p, "tickets");
    for (i = 0; i < 500; i++)
        itsm_xml_element(o, "number", "TST0000001");
    text = itsm_xml_out_end(o, &len);
    assert_int_equal(len, strlen(text));
    assert_int_equal(len, strlen("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                              "<tickets xmlns=\"" ITSM_NS "\">") + 500 * 27 + 11);
    assert_memory_equal(text + len - 11, "</tickets>\n", 11);
    apr_pool_destroy(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(texts_as_libxml2),
        cmocka_unit_test(attributes_as_libxml2),
        cmocka_unit_test(namespaces_and_ends_as_libxml2),
        cmocka_unit_test(formatted_as_libxml2),
        cmocka_unit_test(generated_documents_as_libxml2),
        cmocka_unit_test(text_terminated_in_pool),
        cmocka_unit_test(invalid_utf8_written_as_replacement),
        cmocka_unit_test(text_span_table),
        cmocka_unit_test(text_span_as_decode),
        cmocka_unit_test(escapes_around_sequences),
    };

    xmlSetGenericErrorFunc(NULL, silent);
    xmlSetStructuredErrorFunc(NULL, NULL);
    return itsm_unit_main(tests, NULL, NULL);
}
