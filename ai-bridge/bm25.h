/*
 * Ranking FAQ entries against a customer's question with Okapi BM25,
 * and the words that mean "let me talk to a human".
 *
 * Text becomes terms: split at every ASCII character that is not a
 * letter or digit (bytes of UTF-8 sequences count as letters, so words
 * in other scripts stay whole), ASCII lower-cased, English stop words
 * and one-letter terms dropped, and a few English suffixes stripped
 * ("refunds" and "refunding" are both "refund", "shipped" is "ship").
 *
 * A document is up to AIB_BM25_FIELDS texts, each with a weight: its
 * terms count that many times (the FAQ puts the question and keywords
 * above the answer).  The score is
 *
 *	sum over the query's distinct terms t of
 *	    idf(t) * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len / avglen))
 *	idf(t) = ln(1 + (N - n(t) + 0.5) / (n(t) + 0.5))
 *
 * with k1 = 1.2 and b = 0.75, so a score is never negative and a term
 * in every document still counts a little.
 *
 * Depends on common/util only (unit tests include it alone).
 */
#ifndef AIB_BM25_H
#define AIB_BM25_H

#include <stddef.h>

#define AIB_TERM_MAX		48	/* bytes; longer terms are cut */
#define AIB_BM25_FIELDS		3
#define AIB_BM25_K1		1.2
#define AIB_BM25_B		0.75

struct aib_doc {
	const char	*field[AIB_BM25_FIELDS];	/* NULL: none */
	int		 weight[AIB_BM25_FIELDS];
};

struct aib_rank {
	int	 doc;		/* index into the documents */
	double	 score;
};

/*
 * Splits s into at most max terms of out (each NUL terminated).  Returns
 * the number of terms.  stem: strip suffixes and drop stop words (the
 * ranking does; the hand-off check does not).
 */
size_t	aib_terms(const char *s, char (*out)[AIB_TERM_MAX + 1], size_t max,
	    int stem);

/*
 * Ranks ndocs documents against query.  Fills out with at most max
 * entries whose score is above zero, best first (ties: lower index
 * first), and returns how many.
 */
int	aib_bm25_rank(const char *query, const struct aib_doc *docs,
	    int ndocs, struct aib_rank *out, int max);

/*
 * 1 if text asks for a person rather than the assistant: it has a word
 * such as "human", "agent", "person", "representative" or "operator".
 */
int	aib_wants_human(const char *text);

#endif
