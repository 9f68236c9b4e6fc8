"""The admin's front page tells coordinators when e-mail is failing or stuck."""

from django import template

from support import operations

register = template.Library()


@register.inclusion_tag("admin/mail_trouble.html", takes_context=True)
def mail_trouble(context: template.Context) -> dict[str, object]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.has_perm("support.view_outgoingemail"):
        return {"show": False}
    state = operations.mail_state()
    age = state.oldest_unsent_age
    minutes = int(age.total_seconds() // 60) if state.stuck and age is not None else 0
    return {
        "show": bool(state.failed or state.stuck),
        "failed": state.failed,
        "stuck_minutes": minutes,
        "worker_alive": operations.worker_alive(),
    }
