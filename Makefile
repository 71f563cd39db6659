# The two commands of the README, and a few more for developers.
.PHONY: demo test lint benchmark

demo:  ## Set up and serve the demo LMS host on http://127.0.0.1:8000
	bash demo/run.sh

test:  ## Lint, check migrations, run the suite on SQLite and on MariaDB, report coverage
	bash scripts/test.sh

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

benchmark:
	bash benchmarks/run.sh
