"""URL converters: course run keys in paths, as the LMS writes them."""

from opaque_keys import InvalidKeyError
from opaque_keys.edx.keys import CourseKey


class CourseKeyConverter:
    """`course-v1:Org+Course+Run` (or the old Org/Course/Run) to a CourseKey; anything else does not match."""

    regex = r"[^/+]+(?:/|\+)[^/+]+(?:/|\+)[^/?]+?"

    def to_python(self, value):
        try:
            return CourseKey.from_string(value)
        except InvalidKeyError as error:
            raise ValueError(str(error)) from error

    def to_url(self, value):
        return str(value)
