/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Small pure helpers shared by the core and the processes: the text encoding of field maps
 * and journal changes, RFC 3339 times and ticket numbers. APR only. */
#ifndef ITSM_CODEC_H
#define ITSM_CODEC_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_time.h>

/* One change of a journal entry; old or new is NULL when the field was absent. */
typedef struct itsm_change_t {
    const char *field;
    const char *old;
    const char *new;
} itsm_change_t;

/* Field maps are stored as "name TAB value LF" lines with \\, \t, \n, \r escaped. */
const char *itsm_codec_fields_encode(apr_pool_t *p, const apr_table_t *fields);
apr_table_t *itsm_codec_fields_decode(apr_pool_t *p, const char *text);

/* Changes are stored as "field TAB old TAB new LF", an absent value written as \-. */
const char *itsm_codec_changes_encode(apr_pool_t *p, const apr_array_header_t *changes);
apr_array_header_t *itsm_codec_changes_decode(apr_pool_t *p, const char *text);

/* Append a change when old and new differ (NULL and "" differ). */
void itsm_codec_change_add(apr_array_header_t *changes, const char *field,
                           const char *old, const char *new);

/* "2026-11-23T09:00:00Z" for t (seconds precision, UTC). */
const char *itsm_time_format(apr_pool_t *p, apr_time_t t);
/* Parse RFC 3339 ("...Z" or "...+01:00", optional fraction); APR_EINVAL when malformed. */
apr_status_t itsm_time_parse(apr_time_t *out, const char *text);

/* Pause intervals as stored in the "sla.pauses" field: "from:to,..." in epoch seconds, to 0
 * while open. Returns the number parsed into *out (allocated in p). */
int itsm_codec_pauses_decode(apr_pool_t *p, const char *text, apr_time_t **from, apr_time_t **to);

/* An xs:duration of whole seconds: "PT1H30M", "-PT5M", "PT0S". */
const char *itsm_duration_format(apr_pool_t *p, apr_interval_time_t d);
/* Parse an xs:duration of days, hours, minutes and seconds ("P1DT2H", "-PT5M"; a day is 24
 * hours); APR_EINVAL when malformed, with years or months, or too long for *out. */
apr_status_t itsm_duration_parse(apr_interval_time_t *out, const char *text);

/* The strings up to a NULL joined into buf, cut to size - 1 bytes and terminated; returns the
 * joined length (>= size: cut). For the keys of look-ups on hot paths: apr_snprintf's
 * formatter costs ~600 instructions a key. */
apr_size_t itsm_key_join(char *buf, apr_size_t size, ...);

/* Whether item is one of the entries of list, separated by single sep characters
 * ("a,b,c" with ','; "INC0000001 INC0000002" with ' '); list may be NULL. */
int itsm_list_has(const char *list, char sep, const char *item);

/* UTF-8. The code point at s (n bytes left, n > 0) and its length in *len; for a byte that
 * starts no valid UTF-8 sequence (a continuation byte, a lead byte without its continuation
 * bytes within n, an overlong form, a surrogate, past U+10FFFF) -1 and *len 1. It reads no
 * byte past the first that is not a continuation byte: a NUL-terminated string may pass
 * any n past its end. */
long itsm_utf8_decode(const char *s, apr_size_t n, int *len);
/* The length of s (NUL-terminated) cut to at most max bytes at a character's boundary: never
 * inside a UTF-8 sequence. strlen(s) when it is no longer than max; reads no further than
 * s[max]. For a limit in bytes (a stored index's value). */
apr_size_t itsm_utf8_cut(const char *s, apr_size_t max);
/* text clipped to at most max characters (UTF-8 code points, as XML Schema's maxLength
 * counts them): text itself when it is no longer, else its first characters followed by
 * mark ("...", say), mark counted within max (a mark of max characters or more is left
 * out). In p. Never cuts inside a UTF-8 sequence. */
const char *itsm_utf8_clip(apr_pool_t *p, const char *text, apr_size_t max, const char *mark);
/* 1 when the code point cp is white space as Unicode's White_Space property counts it
 * (ASCII's, U+0085, the no-break space U+00A0, U+1680, U+2000 to U+200A, U+2028, U+2029,
 * U+202F, U+205F, U+3000); 0 for any other, and for -1 (itsm_utf8_decode's non-UTF-8 byte). */
int itsm_utf8_space(long cp);
/* 1 when the code point cp is shown as nothing: Unicode's Default_Ignorable_Code_Point (zero-
 * width space and joiners, direction marks, U+FEFF, variation selectors, the Hangul fillers,
 * the soft hyphen...); 0 for any other and for -1. */
int itsm_utf8_ignorable(long cp);
/* 1 when text (UTF-8, NUL-terminated) says nothing: NULL, empty, or only white space
 * (itsm_utf8_space) and characters shown as nothing (itsm_utf8_ignorable); a byte that is
 * not UTF-8 counts as something. For a required text given blank (a step's text, a body). */
int itsm_text_blank(const char *text);
/* text without the XML white space (space, tab, CR, LF) at its ends (text itself when it
 * has none, else a copy in p): a typed value as XML Schema's whitespace="collapse" reads it
 * (itsm_field_check takes every type but a long text and markup so). */
const char *itsm_text_trim(apr_pool_t *p, const char *text);

/* "INC0000042"; NULL when n does not fit 7 digits. */
const char *itsm_number_format(apr_pool_t *p, const char *prefix, apr_int64_t n);

#endif
