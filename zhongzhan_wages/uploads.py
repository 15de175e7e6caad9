"""The upload cap that acts before the body is read (settings.FILE_UPLOAD_HANDLERS, first in the list).

Django's DATA_UPLOAD_MAX_MEMORY_SIZE does not count the file parts of a multipart body, so without this a
1 GB upload would be spooled to disk before any view could refuse it. The multipart parser hands every handler
the declared Content-Length first; refusing here costs nothing. The reverse proxy (nginx client_max_body_size)
should refuse the same size even earlier, at the edge.
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler


class CappedUploadHandler(FileUploadHandler):
    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length > settings.UPLOAD_MAX_BYTES:
            # A SuspiciousOperation: Django answers 400 (common.views.bad_request words it in Chinese).
            raise RequestDataTooBig(f"上传内容过大：每次最多 {settings.UPLOAD_MAX_BYTES // (1024 * 1024)} MB")

    # Not a storage handler: the next handlers (memory, then temporary file) receive the data.
    def receive_data_chunk(self, raw_data, start):
        return raw_data

    def file_complete(self, file_size):
        return None
