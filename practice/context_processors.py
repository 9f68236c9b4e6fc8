from django.http import HttpRequest

from practice.accounts import helper_of


def account(request: HttpRequest) -> dict[str, object]:
    # Called only by templates that ask (the account menu): no query on reading pages.
    return {"account_helper": lambda: helper_of(request.user)}
