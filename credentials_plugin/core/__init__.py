"""What every layer builds on: shared types, limits, hooks, retries, decision logs, links, emitted events."""
