"""Messages to learners about their credentials: queued with the change, sent once, off the request."""
