import socket

from celery import shared_task


@shared_task(name="cms.ping")
def ping(token: str) -> dict:
    """Echo a token with the worker's host name: proves a worker consumed the queue."""
    return {"token": token, "host": socket.gethostname()}
