/* Socket.IO v5 packet parser: see sio.h for the grammar. */
#include <string.h>

#include "sio.h"

int
gw_sio_parse(const char *buf, size_t len, struct gw_sio_packet *p)
{
	size_t i = 0, start;

	memset(p, 0, sizeof(*p));
	p->nsp = "/";
	p->nsp_len = 1;
	p->ack_id = -1;
	if (len == 0 || buf[0] < '0' || buf[0] > '6')
		return (-1);
	p->type = buf[i++] - '0';

	if (p->type == GW_SIO_BINARY_EVENT || p->type == GW_SIO_BINARY_ACK) {
		start = i;
		while (i < len && buf[i] >= '0' && buf[i] <= '9' &&
		    i - start < 3)
			p->attachments = p->attachments * 10 + (buf[i++] - '0');
		if (i == start || i >= len || buf[i] != '-' ||
		    p->attachments > GW_SIO_ATTACH_MAX)
			return (-1);
		i++;
	}

	if (i < len && buf[i] == '/') {
		start = i;
		while (i < len && buf[i] != ',')
			i++;
		if (i - start > GW_SIO_NSP_MAX)
			return (-1);
		p->nsp = buf + start;
		p->nsp_len = i - start;
		if (i < len)
			i++;		/* the comma */
	}

	if (i < len && buf[i] >= '0' && buf[i] <= '9') {
		start = i;
		p->ack_id = 0;
		while (i < len && buf[i] >= '0' && buf[i] <= '9') {
			if (i - start >= 12) {
				p->ack_id = -1;
				return (-1);
			}
			p->ack_id = p->ack_id * 10 + (buf[i++] - '0');
		}
	}

	p->data = buf + i;
	p->data_len = len - i;
	return (0);
}

int
gw_sio_nsp_is(const struct gw_sio_packet *p, const char *nsp)
{
	size_t n = strlen(nsp);

	return (p->nsp_len == n && memcmp(p->nsp, nsp, n) == 0);
}
