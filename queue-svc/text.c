/*
 * UTF-8 validation of message input, after RFC 3629 section 4: cJSON
 * passes raw bytes of a string through unchecked, and a chat message is
 * stored and fanned out as JSON text, so it must be valid UTF-8.
 */
#include "qs.h"

/*
 * The length of the sequence that lead byte c starts and the range its
 * second byte must be in (the range excludes overlong forms, surrogates
 * and code points above U+10FFFF); 0 if c cannot start a sequence.
 */
static int
qs_utf8_lead(unsigned char c, unsigned char *lo, unsigned char *hi)
{
	*lo = 0x80;
	*hi = 0xbf;
	if (c >= 0xc2 && c <= 0xdf)
		return (2);
	if (c >= 0xe0 && c <= 0xef) {
		if (c == 0xe0)
			*lo = 0xa0;		/* no overlong form */
		else if (c == 0xed)
			*hi = 0x9f;		/* no surrogates */
		return (3);
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (c == 0xf0)
			*lo = 0x90;		/* no overlong form */
		else if (c == 0xf4)
			*hi = 0x8f;		/* nothing above U+10FFFF */
		return (4);
	}
	return (0);
}

long
qs_utf8_chars(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	unsigned char		 lo, hi;
	long			 n = 0;
	int			 len, i;

	while (*p != '\0') {
		n++;
		if (*p < 0x80) {
			p++;
			continue;
		}
		if ((len = qs_utf8_lead(*p, &lo, &hi)) == 0)
			return (-1);
		if (p[1] < lo || p[1] > hi)
			return (-1);
		for (i = 2; i < len; i++)
			if (p[i] < 0x80 || p[i] > 0xbf)
				return (-1);
		p += len;
	}
	return (n);
}
