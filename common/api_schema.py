"""OpenAPI side of the API's one error shape (common/api.py): the `Error` component on every operation.

REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"] names ErrorDocumentingAutoSchema, so a client reading /api/schema/ sees
400/401/403/404 bodies wherever an operation can return them (a paginated list's 404 is a page out of range),
without decorating each view.
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from drf_spectacular.utils import OpenApiResponse
from rest_framework import permissions, serializers


class ErrorSerializer(serializers.Serializer):
    """The one error body (schema only: common.api.exception_handler produces it)."""

    code = serializers.CharField(
        help_text="错误代码：validation_error、not_authenticated、authentication_failed、"
        "permission_denied、not_found、method_not_allowed、parse_error、throttled、locked_out、"
        "request_too_large、server_error 等"
    )
    message = serializers.CharField(help_text="给用户看的中文说明")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="仅校验错误（400）有：字段名 → 中文消息列表；non_field_errors 为不属于某一字段的错误",
    )


ERROR_RESPONSES = {
    "400": OpenApiResponse(ErrorSerializer, description="提交的数据有误：errors 按字段列出中文消息"),
    "401": OpenApiResponse(ErrorSerializer, description="未登录、会话过期或令牌无效"),
    "403": OpenApiResponse(ErrorSerializer, description="无权执行该操作（如领导账号只读、代其他单位推送）"),
    "404": OpenApiResponse(ErrorSerializer, description="记录不存在，或属于其他单位而无权查看"),
    # A list answers 404 for a page that does not exist (DRF's PageNumberPagination).
    "404_page": OpenApiResponse(ErrorSerializer, description="页码超出范围（如 page=0 或大于总页数）"),
}


class ErrorDocumentingAutoSchema(AutoSchema):
    """Adds the error body to every operation that can return it, so clients see one documented shape."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        codes = []
        if self.method in ("POST", "PUT", "PATCH") or (self.method == "GET" and self._is_list_view()):
            codes.append("400")  # bad body, or a bad filter value on a list
        if any(isinstance(p, permissions.IsAuthenticated) for p in self.view.get_permissions()):
            codes += ["401", "403"]
        documented = {code: ERROR_RESPONSES[code] for code in codes}
        if "{" in self.path:
            documented["404"] = ERROR_RESPONSES["404"]
        elif self.method == "GET" and self._is_list_view() and self._get_paginator() is not None:
            documented["404"] = ERROR_RESPONSES["404_page"]
        for code, response in documented.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(response, code, direction=direction)
        return responses


class ExpiringTokenScheme(OpenApiAuthenticationExtension):
    """`Authorization: Token <令牌>` (common.api.ExpiringTokenAuthentication, knox) in the schema's security."""

    target_class = "common.api.ExpiringTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        scheme = build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Token")
        scheme["description"] = "个人令牌（POST /api/token/，30分钟无操作失效）或管理员签发的集成令牌"
        return scheme
