/* Terms, BM25 ranking and the hand-off words (bm25.h). */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bm25.h"
#include "util.h"

/* Terms a question or an entry may hold at most; the rest is ignored. */
#define BM25_DOC_TERMS		2048
#define BM25_QUERY_TERMS	64

typedef char bm25_term[AIB_TERM_MAX + 1];

static const char *const bm25_stop[] = {
	"a", "about", "am", "an", "and", "any", "are", "as", "at", "be",
	"been", "but", "by", "can", "could", "did", "do", "does", "for",
	"from", "get", "had", "has", "have", "hello", "hi", "how", "i",
	"if", "in", "into", "is", "it", "its", "me", "my", "of", "on",
	"or", "our", "please", "so", "than", "that", "the", "their",
	"them", "then", "there", "these", "they", "this", "to", "us", "was",
	"we", "were", "what", "when", "where", "which", "who", "why",
	"will", "with", "would", "you", "your",
};

static const char *const bm25_human[] = {
	"agent", "agents", "human", "humans", "operator", "operators",
	"person", "representative", "representatives", "staff",
};

static int
bm25_in(const char *w, const char *const *list, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strcmp(w, list[i]) == 0)
			return (1);
	return (0);
}

static int
bm25_vowel(char c)
{
	return (c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u');
}

/*
 * Strips one English suffix in place, a small part of Porter's first
 * step: "ies" -> "y", "sses" -> "ss", a plural "s", then "ing" or "ed"
 * after a vowel-bearing stem, undoubling a final consonant ("shipp").
 */
static void
bm25_stem(char *w)
{
	size_t	 n = strlen(w), i;
	int	 vowel;

	if (n > 4 && strcmp(w + n - 3, "ies") == 0) {
		strcpy(w + n - 3, "y");
		return;
	}
	if (n > 4 && strcmp(w + n - 4, "sses") == 0) {
		w[n - 2] = '\0';
		return;
	}
	if (n > 3 && w[n - 1] == 's' && w[n - 2] != 's' && w[n - 2] != 'u' &&
	    w[n - 2] != 'i') {
		w[--n] = '\0';
		return;
	}
	if (n > 5 && strcmp(w + n - 3, "ing") == 0)
		n -= 3;
	else if (n > 4 && strcmp(w + n - 2, "ed") == 0)
		n -= 2;
	else
		return;
	for (vowel = 0, i = 0; i < n; i++)
		vowel |= bm25_vowel(w[i]) || w[i] == 'y';
	if (!vowel)
		return;
	w[n] = '\0';
	if (n > 2 && w[n - 1] == w[n - 2] && !bm25_vowel(w[n - 1]) &&
	    w[n - 1] != 'l' && w[n - 1] != 's' && w[n - 1] != 'z')
		w[n - 1] = '\0';
}

size_t
aib_terms(const char *s, char (*out)[AIB_TERM_MAX + 1], size_t max,
    int stem)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n = 0, len;
	char			*w;

	while (*p != '\0' && n < max) {
		while (*p != '\0' && *p < 0x80 && !isalnum(*p))
			p++;
		if (*p == '\0')
			break;
		w = out[n];
		for (len = 0; *p != '\0' && (*p >= 0x80 || isalnum(*p)); p++)
			if (len < AIB_TERM_MAX)
				w[len++] = (char)(*p < 0x80 ? tolower(*p) : *p);
		/* A cut term must not end inside a UTF-8 sequence. */
		if (len == AIB_TERM_MAX)
			while (len > 0 &&
			    ((unsigned char)w[len - 1] & 0xc0) == 0x80)
				len--;
		if (len > 0 && ((unsigned char)w[len - 1] & 0xc0) == 0xc0)
			len--;
		w[len] = '\0';
		if (len < 2 && (len == 0 || (unsigned char)w[0] < 0x80))
			continue;
		if (stem) {
			if (bm25_in(w, bm25_stop, sizeof(bm25_stop) /
			    sizeof(bm25_stop[0])))
				continue;
			bm25_stem(w);
		}
		n++;
	}
	return (n);
}

int
aib_wants_human(const char *text)
{
	bm25_term	 t[BM25_QUERY_TERMS];
	size_t		 i, n;

	n = aib_terms(text, t, BM25_QUERY_TERMS, 0);
	for (i = 0; i < n; i++)
		if (bm25_in(t[i], bm25_human, sizeof(bm25_human) /
		    sizeof(bm25_human[0])))
			return (1);
	return (0);
}

static int
bm25_rank_cmp(const void *a, const void *b)
{
	const struct aib_rank	*x = a, *y = b;

	if (x->score != y->score)
		return (x->score < y->score ? 1 : -1);
	return (x->doc - y->doc);
}

/*
 * The query's distinct terms into q; returns how many.
 */
static size_t
bm25_query(const char *query, bm25_term *q)
{
	bm25_term	 all[BM25_QUERY_TERMS];
	size_t		 n, i, j, nq = 0;

	n = aib_terms(query, all, BM25_QUERY_TERMS, 1);
	for (i = 0; i < n; i++) {
		for (j = 0; j < nq; j++)
			if (strcmp(q[j], all[i]) == 0)
				break;
		if (j == nq)
			memcpy(q[nq++], all[i], sizeof(bm25_term));
	}
	return (nq);
}

int
aib_bm25_rank(const char *query, const struct aib_doc *docs, int ndocs,
    struct aib_rank *out, int max)
{
	bm25_term	 q[BM25_QUERY_TERMS], *terms;
	size_t		 nq, nt, qi, k;
	double		*tf, *len, avg = 0, idf, score, norm;
	int		*df, d, f, w, nout = 0;
	struct aib_rank	*all;

	if (ndocs <= 0 || max <= 0 || (nq = bm25_query(query, q)) == 0)
		return (0);
	terms = cm_calloc(BM25_DOC_TERMS, sizeof(*terms));
	tf = cm_calloc((size_t)ndocs * nq, sizeof(*tf));
	len = cm_calloc((size_t)ndocs, sizeof(*len));
	df = cm_calloc(nq, sizeof(*df));
	all = cm_calloc((size_t)ndocs, sizeof(*all));

	/* Term frequencies of the query's terms and each length. */
	for (d = 0; d < ndocs; d++) {
		for (f = 0; f < AIB_BM25_FIELDS; f++) {
			if (docs[d].field[f] == NULL ||
			    (w = docs[d].weight[f]) <= 0)
				continue;
			nt = aib_terms(docs[d].field[f], terms,
			    BM25_DOC_TERMS, 1);
			len[d] += (double)(nt * (size_t)w);
			for (k = 0; k < nt; k++)
				for (qi = 0; qi < nq; qi++)
					if (strcmp(terms[k], q[qi]) == 0)
						tf[(size_t)d * nq + qi] += w;
		}
		avg += len[d];
		for (qi = 0; qi < nq; qi++)
			if (tf[(size_t)d * nq + qi] > 0)
				df[qi]++;
	}
	avg /= ndocs;
	if (avg <= 0)
		avg = 1;

	for (d = 0; d < ndocs; d++) {
		score = 0;
		norm = AIB_BM25_K1 * (1 - AIB_BM25_B + AIB_BM25_B * len[d] / avg);
		for (qi = 0; qi < nq; qi++) {
			double t = tf[(size_t)d * nq + qi];

			if (t == 0)
				continue;
			idf = log(1 + (ndocs - df[qi] + 0.5) / (df[qi] + 0.5));
			score += idf * t * (AIB_BM25_K1 + 1) / (t + norm);
		}
		if (score > 0) {
			all[nout].doc = d;
			all[nout].score = score;
			nout++;
		}
	}
	qsort(all, (size_t)nout, sizeof(*all), bm25_rank_cmp);
	if (nout > max)
		nout = max;
	memcpy(out, all, (size_t)nout * sizeof(*out));
	free(terms);
	free(tf);
	free(len);
	free(df);
	free(all);
	return (nout);
}
