"""Render pages of a restored site, run as its own process against the restored
database and folders (DATABASE_URL, MEDIA_ROOT, H5P_ROOT): the site starts from
them alone. Reads {"requests": [{"path", "user", "second_factor"}]} as JSON on
stdin and writes, per request, the status and body as JSON on stdout."""

import json
import sys

import django


def main() -> None:
    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from tests.factories import second_factor_passed

    results = []
    for request in json.load(sys.stdin)["requests"]:
        client = Client()
        if request.get("user"):
            user = get_user_model().objects.get(username=request["user"])
            client.force_login(user)
            if request.get("second_factor"):
                second_factor_passed(client, user)
        response = client.get(request["path"])
        body = (
            b"".join(response.streaming_content)
            if response.streaming
            else response.content
        )
        results.append(
            {
                "path": request["path"],
                "status": response.status_code,
                "body": body.decode("utf-8", "replace"),
            }
        )
    sys.stdout.write(json.dumps(results))


if __name__ == "__main__":
    main()
