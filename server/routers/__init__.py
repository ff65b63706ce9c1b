"""The REST and websocket routers."""
