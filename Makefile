# The two commands of the README, and a few more for developers.
.PHONY: demo test lint benchmark benchmark-peer benchmark-peer-setup upgrade

demo:  ## Set up and serve the demo LMS host on http://127.0.0.1:8000
	bash demo/run.sh

test:  ## Lint, check migrations, run the suite on SQLite and on MariaDB, report coverage
	bash scripts/test.sh

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

benchmark:  ## Issue #15's rows: issuance, verifiable credentials, the peer when .venv-peer exists; fails if any does
	bash benchmarks/all.sh

benchmark-peer-setup:  ## Make .venv-peer: our pinned requirements + the peer plugin (requirements/peer.txt); needs PyPI
	bash benchmarks/peer_setup.sh

benchmark-peer:  ## Issue #15's last row: award + first signing per learner vs learning-credentials' PDF (.venv-peer)
	@[ -x .venv-peer/bin/python ] || bash benchmarks/peer_setup.sh
	bash benchmarks/run.sh peer

# pip-tools runs in a venv of its own (build/pip-tools), on Python 3.11 like CI's .venv.
UPGRADE_PYTHON ?= python3.11
PIP_COMPILE = build/pip-tools/bin/pip-compile --quiet --allow-unsafe --rebuild --upgrade --strip-extras \
	--no-emit-index-url --no-emit-find-links

upgrade: export CUSTOM_COMPILE_COMMAND = make upgrade
upgrade:  ## Recompile requirements/*.txt from the .in files at the newest releases constraints.txt allows
	$(UPGRADE_PYTHON) -m venv build/pip-tools
	build/pip-tools/bin/python -m pip install -q -r requirements/pip-tools.txt
	$(PIP_COMPILE) -o requirements/pip-tools.txt requirements/pip-tools.in
	$(PIP_COMPILE) -o requirements/base.txt requirements/base.in
	$(PIP_COMPILE) -o requirements/test.txt requirements/test.in
	# test.txt leaves Django out (its pin and the comment lines under it): tox's django42/django52
	# factors choose it, and scripts/bootstrap.sh takes base.txt's pin.
	awk '/^django==/ { skip = 1; next } skip && /^ +#/ { next } { skip = 0; print }' \
		requirements/test.txt >requirements/test.txt.tmp
	mv requirements/test.txt.tmp requirements/test.txt
