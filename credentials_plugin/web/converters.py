"""URL converters: course run keys in paths, as the LMS writes them; uuids as the `credentials` service writes them."""

from uuid import UUID

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


class HexUuidConverter:
    """A uuid as 32 lowercase hex digits, the `credentials` service's form (its UUID_REGEX), to a UUID."""

    regex = r"[0-9a-f]{32}"

    def to_python(self, value):
        return UUID(hex=value)

    def to_url(self, value):
        return value.hex if isinstance(value, UUID) else str(value)
