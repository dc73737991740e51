"""Channels that tell people things: the websocket publisher now; SMS, voice and templates come with them."""
