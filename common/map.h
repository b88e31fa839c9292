/*
 * A string-keyed hash map with open addressing (linear probing) and
 * tombstones.  Keys are copied; values are borrowed pointers.  Not
 * thread safe.  Used by the gateway for its channel table.
 */
#ifndef CM_MAP_H
#define CM_MAP_H

#include <stddef.h>

struct cm_map;

struct cm_map *cm_map_new(void);
/* Frees the map and its key copies, not the values. */
void	 cm_map_free(struct cm_map *m);
/* Returns the value for key, or NULL. */
void	*cm_map_get(const struct cm_map *m, const char *key);
/* Inserts or replaces. */
void	 cm_map_put(struct cm_map *m, const char *key, void *value);
/* Removes key; returns its value or NULL if absent. */
void	*cm_map_del(struct cm_map *m, const char *key);
size_t	 cm_map_count(const struct cm_map *m);
/*
 * Calls fn for every entry; fn must not change the map.  Stops early
 * and returns fn's value when it is non-zero.
 */
int	 cm_map_each(const struct cm_map *m,
	    int (*fn)(const char *key, void *value, void *arg), void *arg);

#endif
