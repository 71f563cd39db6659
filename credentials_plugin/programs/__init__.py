"""Programs: the completion rule, awarding program credentials, program definitions."""
