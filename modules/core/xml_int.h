/* SPDX-License-Identifier: Apache-2.0 (see LICENSE) */
/* Private to the response writer (xml.c) and its unit test: the scan that finds how much of
 * a text the writer may copy as it is. */
#ifndef ITSM_XML_INT_H
#define ITSM_XML_INT_H

#include <apr.h>

/* The length of the longest prefix of the NUL-terminated text s that the writer copies as it
 * is into element content: ASCII but the bytes it escapes (< > & " and carriage return), and
 * valid UTF-8 of characters XML allows. It ends at the NUL, at a byte to escape, or at the
 * first byte that starts no valid UTF-8 sequence (a character cut short, also by the NUL, a
 * stray continuation byte, an overlong form, a surrogate, a value past U+10FFFF) or a sequence
 * of U+FFFE or U+FFFF. A byte costs a table look-up; a sequence is checked where it occurs. */
apr_size_t itsm_xml_text_span(const char *s);

#endif
