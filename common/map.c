/* String-keyed hash map: open addressing, linear probing, tombstones. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "map.h"
#include "util.h"

struct cm_map_slot {
	char	*key;		/* NULL: empty; TOMBSTONE: deleted */
	void	*value;
	uint32_t hash;
};

struct cm_map {
	struct cm_map_slot *slots;
	size_t	 cap;		/* power of two */
	size_t	 count;		/* live entries */
	size_t	 used;		/* live + tombstones */
};

static char tombstone;
#define TOMBSTONE (&tombstone)

static uint32_t
map_hash(const char *s)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	while (*s)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return (h);
}

struct cm_map *
cm_map_new(void)
{
	struct cm_map *m = cm_calloc(1, sizeof(*m));

	m->cap = 16;
	m->slots = cm_calloc(m->cap, sizeof(*m->slots));
	return (m);
}

void
cm_map_free(struct cm_map *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->cap; i++)
		if (m->slots[i].key != NULL && m->slots[i].key != TOMBSTONE)
			free(m->slots[i].key);
	free(m->slots);
	free(m);
}

/* Index of key's slot, or of the slot where it would be inserted. */
static size_t
map_find(const struct cm_map *m, const char *key, uint32_t h, int *found)
{
	size_t i = h & (m->cap - 1), first_free = SIZE_MAX;

	for (;;) {
		struct cm_map_slot *s = &m->slots[i];

		if (s->key == NULL) {
			*found = 0;
			return (first_free != SIZE_MAX ? first_free : i);
		}
		if (s->key == TOMBSTONE) {
			if (first_free == SIZE_MAX)
				first_free = i;
		} else if (s->hash == h && strcmp(s->key, key) == 0) {
			*found = 1;
			return (i);
		}
		i = (i + 1) & (m->cap - 1);
	}
}

static void
map_grow(struct cm_map *m)
{
	struct cm_map_slot *old = m->slots;
	size_t i, oldcap = m->cap;
	int found;

	/* Rehash into a table at most half full, dropping tombstones. */
	if (m->count * 4 >= m->cap)
		m->cap *= 2;
	m->slots = cm_calloc(m->cap, sizeof(*m->slots));
	m->used = m->count;
	for (i = 0; i < oldcap; i++) {
		if (old[i].key == NULL || old[i].key == TOMBSTONE)
			continue;
		m->slots[map_find(m, old[i].key, old[i].hash, &found)] = old[i];
	}
	free(old);
}

void *
cm_map_get(const struct cm_map *m, const char *key)
{
	uint32_t h = map_hash(key);
	int found;
	size_t i = map_find(m, key, h, &found);

	return (found ? m->slots[i].value : NULL);
}

void
cm_map_put(struct cm_map *m, const char *key, void *value)
{
	uint32_t h = map_hash(key);
	int found;
	size_t i;

	if ((m->used + 1) * 4 > m->cap * 3)
		map_grow(m);
	i = map_find(m, key, h, &found);
	if (found) {
		m->slots[i].value = value;
		return;
	}
	if (m->slots[i].key == NULL)
		m->used++;
	m->slots[i].key = cm_strdup(key);
	m->slots[i].value = value;
	m->slots[i].hash = h;
	m->count++;
}

void *
cm_map_del(struct cm_map *m, const char *key)
{
	uint32_t h = map_hash(key);
	int found;
	size_t i = map_find(m, key, h, &found);
	void *v;

	if (!found)
		return (NULL);
	v = m->slots[i].value;
	free(m->slots[i].key);
	m->slots[i].key = TOMBSTONE;
	m->slots[i].value = NULL;
	m->count--;
	return (v);
}

size_t
cm_map_count(const struct cm_map *m)
{
	return (m->count);
}

int
cm_map_each(const struct cm_map *m,
    int (*fn)(const char *key, void *value, void *arg), void *arg)
{
	size_t i;
	int rv;

	for (i = 0; i < m->cap; i++) {
		if (m->slots[i].key == NULL || m->slots[i].key == TOMBSTONE)
			continue;
		if ((rv = fn(m->slots[i].key, m->slots[i].value, arg)) != 0)
			return (rv);
	}
	return (0);
}
