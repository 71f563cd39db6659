"""The learner record: everything a learner holds, and the links that share it."""
