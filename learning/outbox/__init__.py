"""Work for the Celery workers: written with the change that asks for it, sent to
the broker after commit, kept until the broker has it."""
