from django.utils import translation


class UserLanguage:
    """Each user's own language (Dutch unless they chose English), for every page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            from care.portal.models import Profile

            lang = Profile.for_user(user).language
            translation.activate(lang)
            request.LANGUAGE_CODE = lang
        response = self.get_response(request)
        return response
