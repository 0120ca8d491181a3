# Hanoi Cleaner Production Portal. `make run` and `make test` work from a fresh clone.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1:8000
export DJANGO_DEBUG ?= true

.PHONY: run test bench lint install install-dev messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

# The development server and a background worker beside it (manage.py rundev). Without REDIS_URL
# the worker's queue is a folder under var/ (no Redis needed); e-mail links follow HOST.
run: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py seed_demo --if-empty
	@echo "Portal: http://$(HOST)/"
	CELERY_QUEUE_DIR="$${CELERY_QUEUE_DIR:-$(CURDIR)/var/queue}" $(BIN)/python manage.py rundev $(HOST)

test: install-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Benchmarks (not part of the test run): BENCH_SIZE=city|national; the data set is built once and reused.
BENCH_SIZE ?= city
BENCH_SCRIPTS ?= web throughput reports batch imports
bench: install-dev
	$(BIN)/python bench/dataset.py --size $(BENCH_SIZE)
	for script in $(BENCH_SCRIPTS); do $(BIN)/python bench/$$script.py --size $(BENCH_SIZE) || exit 1; done

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djlint templates --lint
	$(BIN)/mypy accounts enterprises assessments training reporting cleanprod periods notifications guidance programme

messages: install-dev
	$(BIN)/python manage.py makemessages -l vi --no-location --ignore=.venv --ignore=tests --ignore=bench
	$(BIN)/python manage.py compilemessages -l vi --ignore=.venv
