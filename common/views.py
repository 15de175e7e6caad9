"""Login and logout pages (Chinese). Logout is a POST from the header; a bookmarked GET lands on the home page."""

from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods


@require_http_methods(["GET", "POST"])
def logout_view(request):
    if request.method == "GET":
        # A logout must not be triggered by a link or a prefetch; offer the page the user came from instead.
        return redirect("home")
    logout(request)
    messages.info(request, "您已安全退出。")
    return redirect("login")
