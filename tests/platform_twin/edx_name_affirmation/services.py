"""Twin of edx-name-affirmation's ``edx_name_affirmation/services.py``."""

import types


class NameAffirmationService:
    """Mirrors ``NameAffirmationService``: a singleton exposing every function of ``edx_name_affirmation.api``."""

    _instance = None

    def __new__(cls, *args, **kwargs):
        if not cls._instance:
            cls._instance = super().__new__(cls, *args, **kwargs)
        return cls._instance

    def __init__(self):
        from edx_name_affirmation import api

        for name in dir(api):
            function = getattr(api, name, None)
            if isinstance(function, types.FunctionType):
                setattr(self, name, function)
