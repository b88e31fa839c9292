#ifndef GW_HANDSHAKE_H
#define GW_HANDSHAKE_H

struct gw_conn;

/*
 * Answers GET /socket.io/?EIO=4&transport=websocket: checks the
 * Engine.IO query and the WebSocket headers, switches the connection
 * to WebSocket and sends the Engine.IO open packet.  Anything else gets
 * an Engine.IO error ({"code":N,"message":...}) with HTTP 400.
 */
void	gw_handshake(struct gw_conn *c);

#endif
